import { z } from 'zod';
import { Id, Timestamp } from './common';

/** The only audio the server accepts: RIFF/WAVE, PCM s16le, 16 kHz, mono or stereo. */
export const REQUIRED_SAMPLE_RATE = 16000;

/** Stereo recordings carry the agent on the left channel and the caller on the right. */
export const Recording = z.object({
  id: Id,
  callId: Id,
  channels: z.union([z.literal(1), z.literal(2)]),
  sampleRate: z.literal(REQUIRED_SAMPLE_RATE),
  durationMs: z.number().int().nonnegative(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: Timestamp,
  purgedAt: Timestamp.nullable(),
});
export type Recording = z.infer<typeof Recording>;

/** Sha256 of a whole file, lowercase hex. */
export const Sha256Hex = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits (sha256)');

/**
 * `POST /api/upload-recording?…` (body: the WAV itself, `Content-Type: audio/wav`, header
 * `Idempotency-Key`) and `POST /api/uploads?…` (resumable) take their metadata as these query
 * parameters, so that the body stays raw audio and streams. The call is either an existing one
 * (`callId`) or described by its metadata (`direction`, `pbxCallId`, `startedAt`, ...), from which
 * it is created (idempotent on agent + `pbxCallId`) in the same transaction as the recording.
 */
export const UploadRecordingQuery = z
  .object({
    callId: Id.optional(),
    direction: z.enum(['inbound', 'outbound']).optional(),
    pbxCallId: z.string().trim().min(1).max(128).optional(),
    startedAt: Timestamp.optional(),
    endedAt: Timestamp.optional(),
    remoteNumber: z
      .string()
      .trim()
      .max(40)
      .regex(/^[+\d][\d\s().-]*$/, 'not a phone number')
      .optional(),
    remoteName: z.string().trim().max(200).optional(),
    /** The client's sha256 of the whole file; the upload is refused (400) if the body differs. */
    sha256: Sha256Hex,
    /** ISO 639-1 language to hint the transcriber; absent to let the model detect it. */
    languageHint: z
      .string()
      .trim()
      .regex(/^[a-z]{2,3}$/, 'expected an ISO 639-1 code such as "fr"')
      .optional(),
  })
  .superRefine((q, ctx) => {
    if (q.callId) return;
    for (const f of ['direction', 'pbxCallId', 'startedAt'] as const) {
      if (q[f] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [f],
          message: 'required when callId is not given (the call is created from its metadata)',
        });
      }
    }
  });
export type UploadRecordingQuery = z.infer<typeof UploadRecordingQuery>;

/** The `Idempotency-Key` header: the same key from the same agent yields the same recording. */
export const IdempotencyKey = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._:-]{8,128}$/, '8-128 characters of letters, digits and . _ : -');

export const UploadRecordingResponse = z.object({
  recording: Recording,
  callId: Id,
  /** False when an earlier upload with the same idempotency key is returned (HTTP 200). */
  created: z.boolean(),
});
export type UploadRecordingResponse = z.infer<typeof UploadRecordingResponse>;

/**
 * Resumable uploads (see docs/decisions/0201-upload-protocol.md):
 *  1. `POST /api/uploads?<UploadRecordingQuery>` with headers `Upload-Length` and `Idempotency-Key`
 *     → 201 `UploadSession`, `Location: /api/uploads/:id`;
 *  2. `PATCH /api/uploads/:id` with `Upload-Offset: <offset>`, `Content-Type:
 *     application/offset+octet-stream` and the next bytes → 204 with the new `Upload-Offset`
 *     (a PATCH is applied whole or not at all; 409 if the offset is not the server's);
 *  3. `HEAD /api/uploads/:id` → `Upload-Offset` and `Upload-Length` (after a cut connection);
 *  4. the PATCH that reaches `Upload-Length` validates, stores and queues the recording and
 *     answers 201 `UploadRecordingResponse`.
 */
export const UploadSession = z.object({
  id: Id,
  offset: z.number().int().nonnegative(),
  length: z.number().int().positive(),
  expiresAt: Timestamp,
  /** Set when this idempotency key's upload already completed: nothing more to send. */
  recordingId: Id.nullable(),
});
export type UploadSession = z.infer<typeof UploadSession>;

/** `Upload-Length` (create) and `Upload-Offset` (PATCH) headers: byte counts. */
export const ByteCountHeader = z
  .string()
  .regex(/^\d{1,15}$/, 'expected a whole number of bytes')
  .transform(Number);

/** Content types `POST /api/upload-recording` accepts for its raw WAV body. */
export const WAV_CONTENT_TYPES = [
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/vnd.wave',
] as const;
/** Content type of a resumable upload's PATCH body (as in tus). */
export const UPLOAD_CHUNK_CONTENT_TYPE = 'application/offset+octet-stream';
