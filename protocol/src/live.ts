import { z } from 'zod';
import { Id, Timestamp } from './common';
import { REQUIRED_SAMPLE_RATE } from './recordings';
import { Segment, TranscriptionTimings } from './transcripts';
import { AppliedWhisperSettings, JobWhisperSettings } from './whisper';

/**
 * Live recording: the client streams the call's audio while it lasts (design: decision 1400).
 * Audio is the PCM of the batch upload's WAV: 16 kHz s16le stereo, interleaved, left = agent,
 * right = caller. Offsets are bytes of that PCM and always whole stereo frames.
 */
export const LIVE_FRAME_BYTES = 4;
/** The largest append the server takes (about 16 s of stereo audio). */
export const LIVE_MAX_APPEND_BYTES = 1024 * 1024;

export const LiveAudioFormat = z.object({
  sampleRate: z.literal(REQUIRED_SAMPLE_RATE, {
    error: `only ${REQUIRED_SAMPLE_RATE} Hz audio is taken`,
  }),
  channels: z.literal(2, { error: 'live audio is stereo: left the agent, right the caller' }),
  encoding: z.literal('s16le', { error: 'live audio is signed 16-bit little-endian PCM (s16le)' }),
});
export type LiveAudioFormat = z.infer<typeof LiveAudioFormat>;

/** `POST /api/calls/:id/live`. */
export const OpenLiveRecordingBody = z.object({
  format: LiveAudioFormat,
  /** ISO 639-1 language to hint the transcriber (as the batch upload's); absent: detected. */
  languageHint: z
    .string()
    .trim()
    .regex(/^[a-z]{2,3}$/, 'expected an ISO 639-1 code such as "fr"')
    .optional(),
});
export type OpenLiveRecordingBody = z.infer<typeof OpenLiveRecordingBody>;

/**
 * `discarded`: the agent (or an admin) discarded the session before it was closed ("don't record
 * this call"): its audio and windows are gone and it never becomes a recording.
 */
export const LiveRecordingState = z.enum(['open', 'closing', 'closed', 'discarded']);
export type LiveRecordingState = z.infer<typeof LiveRecordingState>;

export const LiveRecording = z.object({
  id: Id,
  callId: Id,
  state: LiveRecordingState,
  /** PCM bytes held: the offset the next append must start at. */
  offset: z.number().int().nonnegative(),
  /** Windows cut so far: `queued` still wait for their transcription, `done` are finished (or failed for good). */
  windows: z.object({
    queued: z.number().int().nonnegative(),
    done: z.number().int().nonnegative(),
  }),
  /** Closed by the server's idle timeout rather than by the client. */
  cutOff: z.boolean(),
  /** The recording made from it once closed. */
  recordingId: Id.nullable(),
  openedAt: Timestamp,
  closedAt: Timestamp.nullable(),
});
export type LiveRecording = z.infer<typeof LiveRecording>;

/** `Upload-Offset` of `PUT /api/live-recordings/:id/audio`. */
export const LiveAppendOffset = z.coerce
  .number({ error: 'Upload-Offset must be a number of bytes' })
  .int()
  .nonnegative()
  .refine((n) => n % LIVE_FRAME_BYTES === 0, {
    message: `Upload-Offset must be a multiple of ${LIVE_FRAME_BYTES} (whole stereo frames)`,
  });

export const LiveAppendResult = z.object({
  offset: z.number().int().nonnegative(),
  /** The bytes were already held (a resend): nothing changed. */
  duplicate: z.boolean(),
});
export type LiveAppendResult = z.infer<typeof LiveAppendResult>;

/** `POST /api/live-recordings/:id/close`. */
export const CloseLiveRecordingBody = z.object({
  totalBytes: z
    .number()
    .int()
    .nonnegative()
    .refine((n) => n % LIVE_FRAME_BYTES === 0, {
      message: `totalBytes must be a multiple of ${LIVE_FRAME_BYTES}`,
    }),
});
export type CloseLiveRecordingBody = z.infer<typeof CloseLiveRecordingBody>;

/**
 * `DELETE /api/live-recordings/:id`: discards an open session ("don't record this call" pressed
 * mid-call), by its agent or an admin. 204: its audio log is deleted, its windows and their
 * segments too, its queued window jobs removed (one already running is ignored when it ends), and
 * it never becomes a recording; the call keeps its phone status, as a call with no recording.
 * 403 another agent's session, 404 unknown, 409 `live_recording_closed` once closing or closed
 * (then it is a recording: deleting it is the privacy path). Afterwards an append or a close
 * answers 410 `live_recording_discarded` with these details, a new open for the call 409
 * `live_recording_exists` (state `discarded`).
 */
export const LiveRecordingDiscarded = z.object({
  liveRecordingId: Id,
  discardedAt: Timestamp,
});
export type LiveRecordingDiscarded = z.infer<typeof LiveRecordingDiscarded>;

/** `details` of a 409 `live_offset_mismatch`: where the client must resume. */
export const LiveOffsetMismatch = z.object({ expectedOffset: z.number().int().nonnegative() });
export type LiveOffsetMismatch = z.infer<typeof LiveOffsetMismatch>;

export const LiveChannel = z.enum(['agent', 'caller']);
export type LiveChannel = z.infer<typeof LiveChannel>;

/** One window of one channel to transcribe (a job payload), in samples of that channel. */
export const TranscribeWindowJob = z
  .object({
    callId: Id,
    /** The live recording the audio comes from, or the uploaded recording for a batch call. */
    source: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('live'), liveRecordingId: Id }),
      z.object({ kind: z.literal('recording'), recordingId: Id }),
    ]),
    channel: LiveChannel,
    startSample: z.number().int().nonnegative(),
    endSample: z.number().int().positive(),
    /**
     * The end of this channel's text so far (a few hundred characters), which the worker appends
     * to the call's names and the admins' prompt when it builds Whisper's prompt, as it does for a
     * whole call (`composeWhisperPrompt`, decision 1611). Empty for a channel's first window.
     */
    context: z.string().max(2000).default(''),
    languageHint: z
      .string()
      .regex(/^[a-z]{2,3}$/)
      .optional(),
    /**
     * The admins' Whisper settings and the call's vocabulary when the call's windows started, as
     * in TranscriptionJob. Absent from older servers' jobs.
     */
    settings: JobWhisperSettings.optional(),
  })
  .refine((j) => j.endSample > j.startSample, { message: 'endSample must be after startSample' })
  .refine((j) => j.endSample - j.startSample <= 30 * REQUIRED_SAMPLE_RATE, {
    message: 'a window is 30 s at most',
  });
export type TranscribeWindowJob = z.infer<typeof TranscribeWindowJob>;

/** A window's transcription: segments in call time (milliseconds from the start of the call). */
export const TranscribeWindowResult = z.object({
  segments: z.array(Segment),
  language: z.string(),
  model: z.string(),
  engine: z.string(),
  timings: TranscriptionTimings.optional(),
  /** As in TranscriptionResult: undecodable byte sequences dropped from the text. */
  invalidUtf8Dropped: z.number().int().nonnegative().optional(),
  /** As in TranscriptionResult: what the worker applied (absent from older workers). */
  settings: AppliedWhisperSettings.optional(),
});
export type TranscribeWindowResult = z.infer<typeof TranscribeWindowResult>;

/**
 * Jobs of the one `transcription` queue, by BullMQ job name: a whole call (`TranscriptionJob`) or
 * one window of one channel (`TranscribeWindowJob`).
 */
export const TRANSCRIPTION_JOB_NAMES = { call: 'transcribe', window: 'window' } as const;

/** BullMQ priorities (lower runs first): a backlog of uploads never delays a live call. */
export const TRANSCRIPTION_PRIORITY = { live: 1, batch: 10 } as const;

/**
 * Query of the workers' window audio endpoints, `GET /internal/live-recordings/:id/window` and
 * `GET /internal/recordings/:id/window`: one channel's samples [start, end) as a mono 16 kHz s16le
 * WAV (`audio/wav`). A range past what is held answers 416.
 */
export const WindowAudioQuery = z
  .object({
    channel: LiveChannel,
    start: z.coerce.number().int().nonnegative(),
    end: z.coerce.number().int().positive(),
  })
  .refine((q) => q.end > q.start, { message: 'end must be after start' })
  .refine((q) => q.end - q.start <= 30 * REQUIRED_SAMPLE_RATE, {
    message: 'a window is 30 s at most',
  });
export type WindowAudioQuery = z.infer<typeof WindowAudioQuery>;

/** One transcribed window as the live transcript holds it. */
export const LiveWindow = z.object({
  id: Id,
  channel: LiveChannel,
  startSample: z.number().int().nonnegative(),
  endSample: z.number().int().positive(),
  state: z.enum(['queued', 'done', 'failed']),
});
export type LiveWindow = z.infer<typeof LiveWindow>;

/**
 * `GET /api/calls/:id/live-transcript`: what has been transcribed so far, segments in call time,
 * both channels merged by time. Once the transcript is ready the call's transcript takes over.
 */
export const LiveTranscript = z.object({
  callId: Id,
  liveRecordingId: Id,
  state: LiveRecordingState,
  cutOff: z.boolean(),
  segments: z.array(Segment),
  windows: z.object({
    queued: z.number().int().nonnegative(),
    done: z.number().int().nonnegative(),
  }),
});
export type LiveTranscript = z.infer<typeof LiveTranscript>;

/** Socket.IO `transcript.live`: a window's segments, as soon as it is transcribed (replaces the window's earlier ones). */
export const LiveSegmentsEvent = z.object({
  callId: Id,
  liveRecordingId: Id,
  window: LiveWindow,
  segments: z.array(Segment),
});
export type LiveSegmentsEvent = z.infer<typeof LiveSegmentsEvent>;

/**
 * Socket.IO `live.changed`: a call started or stopped being transcribed live. Carries no text, so
 * that it can reach the wallboard's kiosk screens.
 */
export const LiveChangedEvent = z.object({
  callId: Id,
  agentId: Id,
  liveRecordingId: Id,
  state: LiveRecordingState,
  cutOff: z.boolean(),
});
export type LiveChangedEvent = z.infer<typeof LiveChangedEvent>;

/** The content type of a live append's body: 16 kHz s16le stereo PCM. */
export const LIVE_AUDIO_CONTENT_TYPE = 'application/octet-stream';
