import { z } from 'zod';
import { CallDirection, CallStatus, PhoneNumber } from './calls';
import { Id, Timestamp } from './common';
import { LiveChannel, LiveRecordingState, LiveWindow } from './live';
import { Segment } from './transcripts';

/**
 * Privacy actions (a caller's right to see or erase their data): erase or export everything for a
 * phone number, delete one call. Every action answers a dry run first (what would go) and is
 * audited; the number itself never reaches the audit log (a keyed hash stands for it).
 */

/** The subject: a phone number in any written form; national forms are read in `region`. */
export const PrivacySubject = z.object({
  number: PhoneNumber.refine((n) => n.replace(/\D/g, '').length >= 3, 'too short'),
  /** ISO 3166 country for national forms; default: the NinjaOne settings' phone region. */
  region: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'a two-letter country code')
    .transform((r) => r.toUpperCase())
    .optional(),
});
export type PrivacySubject = z.infer<typeof PrivacySubject>;

/** `POST /api/admin/privacy/erase`. */
export const PrivacyEraseRequest = PrivacySubject.extend({ dryRun: z.boolean() });
export type PrivacyEraseRequest = z.infer<typeof PrivacyEraseRequest>;

/** `POST /api/admin/privacy/export`: a dry run answers JSON, otherwise one ZIP file. */
export const PrivacyExportRequest = PrivacySubject.extend({
  dryRun: z.boolean(),
  /** Put the decrypted recordings (WAV) in the ZIP beside the JSON. */
  includeAudio: z.boolean().default(false),
});
export type PrivacyExportRequest = z.infer<typeof PrivacyExportRequest>;

/** `DELETE /api/calls/:id?dryRun=true|false` (default false). */
export const DeleteCallQuery = z.object({
  dryRun: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});
export type DeleteCallQuery = z.infer<typeof DeleteCallQuery>;

/** What stays outside our reach, said in every report (the page words each one). */
export const PRIVACY_OUTSIDE = [
  /** Tickets already created in NinjaOne: listed with their links, to be handled there. */
  'ninjaone_tickets',
  /** Web Push notifications already shown on managers' devices. */
  'push_delivered',
  /** Backups of the database and the audio store taken before the action. */
  'backups',
] as const;
export const PrivacyOutside = z.enum(PRIVACY_OUTSIDE);
export type PrivacyOutside = z.infer<typeof PrivacyOutside>;

export const PrivacyCall = z.object({
  id: Id,
  direction: CallDirection,
  status: CallStatus,
  startedAt: Timestamp,
  /** The number as it was written on this call. */
  remoteNumber: z.string().nullable(),
  remoteName: z.string().nullable(),
});
export type PrivacyCall = z.infer<typeof PrivacyCall>;

export const PrivacyNinjaOneTicket = z.object({
  callId: Id,
  ticketId: z.number().int(),
  /** Link to the ticket in NinjaOne; null when NinjaOne is not configured any more. */
  url: z.string().nullable(),
});
export type PrivacyNinjaOneTicket = z.infer<typeof PrivacyNinjaOneTicket>;

export const PrivacyCounts = z.object({
  calls: z.number().int().nonnegative(),
  recordings: z.number().int().nonnegative(),
  /** Encrypted audio files in the store (destroyed: data keys wiped, files removed). */
  audioFiles: z.number().int().nonnegative(),
  /** Plaintext bytes of that audio. */
  audioBytes: z.number().int().nonnegative(),
  transcripts: z.number().int().nonnegative(),
  transcriptEdits: z.number().int().nonnegative(),
  /** Our ticket rows (the NinjaOne tickets themselves stay in NinjaOne). */
  tickets: z.number().int().nonnegative(),
  /** Resumable uploads in progress or abandoned, with their staged audio. */
  uploadSessions: z.number().int().nonnegative(),
  /**
   * Live recordings of the calls (an open one's audio log, counted in `audioFiles` when erased,
   * and every one's windows with their segments). Absent from older servers' reports.
   */
  liveRecordings: z.number().int().nonnegative().optional(),
  /** Transcription and ticket jobs in the queues (their results hold transcript text). */
  queueJobs: z.number().int().nonnegative(),
  /** Audit entries whose mention of the number is replaced by the subject's keyed hash. */
  auditEntries: z.number().int().nonnegative(),
});
export type PrivacyCounts = z.infer<typeof PrivacyCounts>;

/** The answer of every privacy action, dry run or not. */
export const PrivacyReport = z.object({
  dryRun: z.boolean(),
  /** The number read as E.164 (null when it is not a possible number: matched by its digits). */
  e164: z.string().nullable(),
  /** Keyed hash standing for the number in the audit log; null for a single call's deletion. */
  pseudonym: z.string().nullable(),
  calls: z.array(PrivacyCall),
  counts: PrivacyCounts,
  ninjaoneTickets: z.array(PrivacyNinjaOneTicket),
  outside: z.array(PrivacyOutside),
  /** Nothing matched: the action is a no-op (still audited). */
  nothingFound: z.boolean(),
});
export type PrivacyReport = z.infer<typeof PrivacyReport>;

/** `export.json` in the subject access ZIP. */
export const SubjectExport = z.object({
  format: z.literal('cwn-subject-export/1'),
  exportedAt: Timestamp,
  subject: z.object({ asked: z.string(), e164: z.string().nullable(), region: z.string() }),
  calls: z.array(
    PrivacyCall.extend({
      answeredAt: Timestamp.nullable(),
      endedAt: Timestamp.nullable(),
      recordings: z.array(
        z.object({
          id: Id,
          channels: z.number().int(),
          sampleRate: z.number().int(),
          durationMs: z.number().int(),
          sizeBytes: z.number().int(),
          sha256: z.string(),
          createdAt: Timestamp,
          purgedAt: Timestamp.nullable(),
          /** Path of the decrypted WAV in the ZIP; null when not included or no longer stored. */
          audioFile: z.string().nullable(),
        }),
      ),
      transcript: z
        .object({
          id: Id,
          language: z.string(),
          status: z.string(),
          version: z.number().int(),
          model: z.string(),
          segments: z.array(Segment),
          createdAt: Timestamp,
          validatedAt: Timestamp.nullable(),
          edits: z.array(
            z.object({
              version: z.number().int(),
              at: Timestamp,
              segmentsBefore: z.array(Segment),
              segmentsAfter: z.array(Segment),
            }),
          ),
        })
        .nullable(),
      /**
       * The call's live recordings not yet a transcript (open, closing, or closed with windows
       * still transcribing): what was held when exported and each window's segments so far. Once
       * the transcript is made it is exported as `transcript` and this is empty.
       */
      liveRecordings: z.array(
        z.object({
          id: Id,
          state: LiveRecordingState,
          cutOff: z.boolean(),
          /** Bytes of 16 kHz s16le stereo PCM held when exported. */
          bytesHeld: z.number().int().nonnegative(),
          openedAt: Timestamp,
          closedAt: Timestamp.nullable(),
          windows: z.array(
            z.object({
              channel: LiveChannel,
              startSample: z.number().int().nonnegative(),
              endSample: z.number().int().nonnegative(),
              state: LiveWindow.shape.state,
              /** In call time, spoken by the window's channel; empty until it is transcribed. */
              segments: z.array(Segment),
            }),
          ),
          /**
           * Path in the ZIP of the audio held so far (a WAV of `bytesHeld`), decrypted from the
           * live audio log; null when audio was not asked for or the session holds no log any
           * more (closed: its audio is the call's recording).
           */
          audioFile: z.string().nullable(),
        }),
      ),
      tickets: z.array(
        z.object({
          state: z.string(),
          ninjaoneTicketId: z.number().int().nullable(),
          url: z.string().nullable(),
        }),
      ),
    }),
  ),
  uploadSessions: z.array(
    z.object({ id: Id, createdAt: Timestamp, expiresAt: Timestamp, metadata: z.unknown() }),
  ),
});
export type SubjectExport = z.infer<typeof SubjectExport>;
