import { z } from 'zod';
import { Id } from './common';
import { JobWhisperSettings } from './whisper';

/** Queue names, shared by the producer (server) and the consumers (workers). */
export const QUEUES = {
  transcription: 'transcription',
  tickets: 'tickets',
  maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const TranscriptionJob = z.object({
  recordingId: Id,
  callId: Id,
  channels: z.union([z.literal(1), z.literal(2)]),
  durationMs: z.number().int().nonnegative(),
  /** ISO 639-1 code, or null to let the model detect the language. */
  languageHint: z.string().min(2).max(8).nullable(),
  /**
   * The admins' Whisper settings and this call's NinjaOne vocabulary when it was queued; absent in
   * jobs of older servers (the worker's environment applies, as for any field left null).
   */
  settings: JobWhisperSettings.optional(),
});
export type TranscriptionJob = z.infer<typeof TranscriptionJob>;

/** Progress a worker reports while a transcription job runs (BullMQ job progress). */
export const TranscriptionProgress = z.object({
  percent: z.number().min(0).max(100),
  stage: z.enum(['fetching', 'decoding', 'transcribing', 'done']),
});
export type TranscriptionProgress = z.infer<typeof TranscriptionProgress>;

export const TicketJob = z.object({
  transcriptId: Id,
  callId: Id,
  requestedBy: Id,
  /** NinjaOne organization chosen by hand; null to match the caller's number. */
  organizationId: z.number().int().positive().nullable(),
});
export type TicketJob = z.infer<typeof TicketJob>;
