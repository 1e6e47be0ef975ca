import { nextDailyRun } from './retention.settings';

const at = (iso: string) => new Date(iso);

describe('nextDailyRun', () => {
  it('gives the next hour:00 in the zone, strictly after the instant', () => {
    expect(nextDailyRun(3, 'UTC', at('2026-06-10T01:00:00Z')).toISOString()).toBe(
      '2026-06-10T03:00:00.000Z',
    );
    expect(nextDailyRun(3, 'UTC', at('2026-06-10T03:00:00Z')).toISOString()).toBe(
      '2026-06-11T03:00:00.000Z',
    );
    // Tokyo, UTC+9: 22:00 there is 13:00 UTC.
    expect(nextDailyRun(22, 'Asia/Tokyo', at('2026-06-10T14:00:00Z')).toISOString()).toBe(
      '2026-06-11T13:00:00.000Z',
    );
    // Across the local midnight: 01:00 in Tokyo on the 11th is 16:00 UTC on the 10th.
    expect(nextDailyRun(1, 'Asia/Tokyo', at('2026-06-10T15:30:00Z')).toISOString()).toBe(
      '2026-06-10T16:00:00.000Z',
    );
  });

  it('follows daylight saving time (Paris: UTC+2 in summer, UTC+1 in winter)', () => {
    expect(nextDailyRun(4, 'Europe/Paris', at('2026-07-01T00:00:00Z')).toISOString()).toBe(
      '2026-07-01T02:00:00.000Z',
    );
    expect(nextDailyRun(4, 'Europe/Paris', at('2026-12-01T00:00:00Z')).toISOString()).toBe(
      '2026-12-01T03:00:00.000Z',
    );
    // The night clocks go back (25 October 2026): 04:00 exists once, at UTC+1.
    expect(nextDailyRun(4, 'Europe/Paris', at('2026-10-24T23:00:00Z')).toISOString()).toBe(
      '2026-10-25T03:00:00.000Z',
    );
    // 02:00 does not exist on 29 March 2026 (clocks jump to 03:00): the next one is the 30th's.
    expect(nextDailyRun(2, 'Europe/Paris', at('2026-03-28T23:00:00Z')).toISOString()).toBe(
      '2026-03-30T00:00:00.000Z',
    );
  });
});
