import { z } from 'zod';
import { Id, Timestamp } from './common';
import { RetentionSettings, SettingSource } from './settings';

const count = z.number().int().nonnegative();

/** The last real (not dry) retention run, from the audit entry the job writes. */
export const RetentionLastRun = z.object({
  at: Timestamp,
  audioPurged: count,
  /** null: transcript retention was off for that run. */
  transcriptsPurged: count.nullable(),
});
export type RetentionLastRun = z.infer<typeof RetentionLastRun>;

/**
 * `GET /api/admin/retention` (and the answer of `PUT`): the retention policy in force — stored by
 * the server when an admin changed it in /admin/retention, else the environment's
 * (`RETENTION_DAYS`, `TRANSCRIPT_RETENTION_DAYS`, `RETENTION_HOUR`, `RETENTION_TIME_ZONE`) — the
 * next run as the queue's scheduler has it, and the last run.
 */
export const RetentionOverview = RetentionSettings.extend(SettingSource.shape).extend({
  /** What the environment gives (the policy after a reset). */
  defaults: RetentionSettings,
  /** From the queue's job scheduler; null when no server has scheduled the job yet. */
  nextRunAt: Timestamp.nullable(),
  lastRun: RetentionLastRun.optional(),
});
export type RetentionOverview = z.infer<typeof RetentionOverview>;

/** `POST /api/admin/retention/preview`: settings to preview (not saved); none: the stored ones. */
export const RetentionPreviewRequest = z.strictObject({
  settings: RetentionSettings.optional(),
});
export type RetentionPreviewRequest = z.infer<typeof RetentionPreviewRequest>;

/** A recording whose audio the next run deletes (no caller number or name: ids and dates). */
export const RetentionPreviewRecording = z.object({
  recordingId: Id,
  callId: Id,
  createdAt: Timestamp,
  sizeBytes: count,
});
export type RetentionPreviewRecording = z.infer<typeof RetentionPreviewRecording>;

/** How many recordings the preview lists (the counts cover them all). */
export const RETENTION_PREVIEW_LIMIT = 50;

/**
 * What the next run (at `runAt`, under `settings`) will remove, as things stand now: audio older
 * than `audioCutoff` (oldest first, at most RETENTION_PREVIEW_LIMIT listed) and how many
 * transcripts are older than `transcriptCutoff` (null: transcripts are kept). Read-only.
 */
export const RetentionPreview = z.object({
  settings: RetentionSettings,
  runAt: Timestamp,
  audioCutoff: Timestamp,
  audio: z.object({
    count,
    bytes: count,
    items: z.array(RetentionPreviewRecording),
  }),
  transcriptCutoff: Timestamp.nullable(),
  /** null: transcripts are kept (or this server cannot purge them). */
  transcripts: count.nullable(),
});
export type RetentionPreview = z.infer<typeof RetentionPreview>;
