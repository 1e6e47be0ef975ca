import { z } from 'zod';
import { Id, Timestamp } from './common';
import { CallStatus } from './calls';
import { AppliedWhisperSettings } from './whisper';

/** Who spoke: the left channel is the agent, the right the caller; mono audio gives `unknown`. */
export const Speaker = z.enum(['agent', 'caller', 'unknown']);
export type Speaker = z.infer<typeof Speaker>;

export const Word = z.object({
  text: z.string(),
  startMs: z.number().int().nonnegative(),
  endMs: z.number().int().nonnegative(),
  probability: z.number().min(0).max(1).optional(),
});
export type Word = z.infer<typeof Word>;

export const Segment = z
  .object({
    speaker: Speaker,
    startMs: z.number().int().nonnegative(),
    endMs: z.number().int().nonnegative(),
    text: z.string(),
    words: z.array(Word).optional(),
  })
  .refine((s) => s.endMs >= s.startMs, { message: 'endMs must not be before startMs' });
export type Segment = z.infer<typeof Segment>;

/** Wall-clock figures the worker measured for one job, in milliseconds. */
export const TranscriptionTimings = z.object({
  fetchMs: z.number().nonnegative(),
  decodeMs: z.number().nonnegative(),
  transcribeMs: z.number().nonnegative(),
  totalMs: z.number().nonnegative(),
  /**
   * A live transcript's: how many windows it was made from (the four figures above are then
   * their sums: the work spent on the call, not a wait). Absent for a whole-call transcription.
   */
  windows: z.number().int().nonnegative().optional(),
  /** A live transcript's: the longest a window waited in the queue before a worker took it. */
  queueMsMax: z.number().nonnegative().optional(),
  /** A live transcript's: the windows' waits in the queue, summed. */
  queueMs: z.number().nonnegative().optional(),
});
export type TranscriptionTimings = z.infer<typeof TranscriptionTimings>;

/** What a worker returns for a transcription job (the job's result). */
export const TranscriptionResult = z.object({
  language: z.string(),
  segments: z.array(Segment),
  model: z.string(),
  engine: z.string(),
  timings: TranscriptionTimings,
  /**
   * Byte sequences of the engine's output that never formed a UTF-8 character: dropped from the
   * segments' text (which never holds U+FFFD), counted here. Absent in results of older workers.
   */
  invalidUtf8Dropped: z.number().int().nonnegative().optional(),
  /** The settings the worker applied (absent in results of older workers). */
  settings: AppliedWhisperSettings.optional(),
});
export type TranscriptionResult = z.infer<typeof TranscriptionResult>;

export const TranscriptStatus = z.enum(['draft', 'validated']);
export type TranscriptStatus = z.infer<typeof TranscriptStatus>;

export const Transcript = z.object({
  id: Id,
  callId: Id,
  recordingId: Id,
  language: z.string(),
  segments: z.array(Segment),
  model: z.string(),
  engine: z.string(),
  timings: TranscriptionTimings,
  status: TranscriptStatus,
  /** Incremented by every edit; an edit naming an older version is refused (409). */
  version: z.number().int().positive(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  validatedAt: Timestamp.nullable(),
  validatedBy: Id.nullable(),
  /**
   * The Whisper settings it was made with; null for transcripts made before they were recorded,
   * absent from older servers' answers and copies devices kept from before.
   */
  settings: AppliedWhisperSettings.nullable().optional(),
});
export type Transcript = z.infer<typeof Transcript>;

/** `PATCH /api/transcripts/:id`: the whole corrected segment list, against the version edited. */
export const EditTranscriptRequest = z.object({
  version: z.number().int().positive(),
  segments: z.array(Segment).max(20_000),
});
export type EditTranscriptRequest = z.infer<typeof EditTranscriptRequest>;

/**
 * `POST /api/transcripts/:id/validate`. `version`, when given, must be the current one (the person
 * validates what they saw); `organizationId` is the NinjaOne organization chosen by hand.
 */
export const ValidateTranscriptRequest = z.object({
  version: z.number().int().positive().optional(),
  organizationId: z.number().int().positive().nullable().optional(),
});
export type ValidateTranscriptRequest = z.infer<typeof ValidateTranscriptRequest>;

/** One accepted edit: the version it produced and the segments before and after. */
export const TranscriptEdit = z.object({
  version: z.number().int().positive(),
  editedBy: Id,
  at: Timestamp,
  segmentsBefore: z.array(Segment),
  segmentsAfter: z.array(Segment),
});
export type TranscriptEdit = z.infer<typeof TranscriptEdit>;

export const TranscriptEditList = z.object({ items: z.array(TranscriptEdit) });
export type TranscriptEditList = z.infer<typeof TranscriptEditList>;

/**
 * `GET /api/calls/:id/transcript`: the call's processing state and its transcript once stored;
 * `failureReason` says why processing gave up when `callStatus` is `failed`.
 */
export const CallTranscript = z.object({
  callId: Id,
  callStatus: CallStatus,
  failureReason: z.string().nullable(),
  transcript: Transcript.nullable(),
});
export type CallTranscript = z.infer<typeof CallTranscript>;
