import { z } from 'zod';
import { Timestamp } from './common';

/** Whether `name` is an IANA time zone this runtime knows (Europe/Paris, UTC, America/New_York…). */
export function isTimeZone(name: string): boolean {
  if (!name || name.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name, checked against the runtime's time zone database. */
export const TimeZone = z
  .string()
  .refine(isTimeZone, { message: 'must be an IANA time zone name, such as Europe/Paris or UTC' });

/**
 * Where a stored setting's value comes from: the server's environment (nobody changed it in the
 * admin pages yet, or it was reset) or an admin's change, with who and when.
 */
export const SettingSource = z.object({
  source: z.enum(['environment', 'admin']),
  updatedAt: Timestamp.nullable(),
  /** The admin's user id; null for the environment. */
  updatedBy: z.string().nullable(),
});
export type SettingSource = z.infer<typeof SettingSource>;

/** Days an item may be kept by a retention setting: at least one, at most ten years. */
export const RETENTION_DAYS_MAX = 3650;
const days = z.number().int().min(1).max(RETENTION_DAYS_MAX);

/** The retention policy as stored by the server (`PUT /api/admin/retention`). */
export const RetentionSettings = z.strictObject({
  /** Audio older than this many days is deleted (the call and transcript stay). */
  audioDays: days,
  /** Transcripts older than this many days are deleted; null keeps them. */
  transcriptDays: days.nullable(),
  /** Hour of the daily run (0-23) in `timeZone`. */
  hour: z.number().int().min(0).max(23),
  timeZone: TimeZone,
});
export type RetentionSettings = z.infer<typeof RetentionSettings>;

/**
 * The wallboard's alert thresholds (`PUT /api/admin/alerts`): when the queue counts as backing up,
 * how many workers must be online, and for how long a failed ticket job means NinjaOne is failing.
 */
export const AlertThresholds = z.strictObject({
  /** Waiting transcription jobs above which the queue is "backing up". */
  queueDepth: z.number().int().min(0).max(100_000),
  /** Minutes the oldest waiting job may wait before the queue is "backing up". */
  oldestWaitingMinutes: z.number().int().min(1).max(10_080),
  /** Fewer online transcription workers than this raises "no worker"; 0 turns the alert off. */
  minWorkers: z.number().int().min(0).max(100),
  /** A ticket job that failed for good within this many minutes means "NinjaOne failing". */
  ninjaOneFailureWindowMinutes: z.number().int().min(1).max(10_080),
});
export type AlertThresholds = z.infer<typeof AlertThresholds>;

/** `GET /api/admin/alerts`: the thresholds in force, the environment's defaults and where they come from. */
export const AlertThresholdsView = SettingSource.extend({
  thresholds: AlertThresholds,
  defaults: AlertThresholds,
});
export type AlertThresholdsView = z.infer<typeof AlertThresholdsView>;
