import { RetentionSettings } from '@cwn/protocol';
import { defineSetting } from '../settings/settings-store';

/** The retention policy: the environment's RETENTION_* variables, overridden in /admin/retention. */
export const RETENTION_SETTING = defineSetting<RetentionSettings>({
  key: 'retention.policy',
  schema: RetentionSettings,
  fromEnvironment: (c) => ({
    audioDays: c.retention.audioDays,
    transcriptDays: c.retention.transcriptDays,
    hour: c.retention.hour,
    timeZone: c.retention.timeZone,
  }),
});

/** Offset (ms) of `timeZone` from UTC at `at`. */
function offsetAt(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(at));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return local - Math.floor(at / 1000) * 1000;
}

/**
 * The first `hour`:00 in `timeZone` strictly after `from` (what the scheduler's daily pattern
 * gives), for previews of settings not saved yet. An hour that a DST change skips that day moves to
 * the next day's.
 */
export function nextDailyRun(hour: number, timeZone: string, from: Date): Date {
  const today = new Date(from.getTime() + offsetAt(from.getTime(), timeZone));
  for (let day = 0; day < 3; day++) {
    const wall = Date.UTC(
      today.getUTCFullYear(),
      today.getUTCMonth(),
      today.getUTCDate() + day,
      hour,
    );
    // Two passes settle the offset around a DST change.
    let at = wall - offsetAt(wall, timeZone);
    at = wall - offsetAt(at, timeZone);
    if (at > from.getTime() && new Date(at + offsetAt(at, timeZone)).getUTCHours() === hour)
      return new Date(at);
  }
  throw new Error(`no ${hour}:00 in ${timeZone} within three days`);
}
