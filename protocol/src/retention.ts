import { z } from 'zod';
import { Timestamp } from './common';

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
 * `GET /api/admin/retention`: the retention policy as the server runs it. It is configured by the
 * server's environment (`RETENTION_DAYS`, `TRANSCRIPT_RETENTION_DAYS`, `RETENTION_HOUR`), so this
 * is read-only.
 */
export const RetentionOverview = z.object({
  audioDays: z.number().int().positive(),
  /** null: transcripts are kept. */
  transcriptDays: z.number().int().positive().nullable(),
  /** Hour of the daily run, in the server's time zone. */
  hour: z.number().int().min(0).max(23),
  /** The server's time zone (IANA name), which `hour` is in. */
  timeZone: z.string(),
  /** From the queue's job scheduler; null when no server has scheduled the job yet. */
  nextRunAt: Timestamp.nullable(),
  lastRun: RetentionLastRun.optional(),
});
export type RetentionOverview = z.infer<typeof RetentionOverview>;
