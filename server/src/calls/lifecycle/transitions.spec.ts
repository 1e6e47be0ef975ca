import { CallStatus } from '@cwn/protocol';
import {
  CallTransitionError,
  LIFECYCLE_EVENTS,
  RANK,
  nextStatus,
  statusesLeftBy,
  type LifecycleEvent,
} from './transitions';

const STATUSES = CallStatus.options;

/** Every accepted move, written out by hand: `from event to`. Anything else is refused. */
const ROWS = `
ringing answered connected
connected answered connected
connected held held
held held held
held resumed connected
connected resumed connected
ringing ended missed
connected ended ended
held ended ended
ended ended ended
missed ended missed
uploaded ended uploaded
queued ended queued
transcribing ended transcribing
transcribed ended transcribed
validated ended validated
ticketed ended ticketed
failed ended failed
ringing uploaded uploaded
connected uploaded uploaded
held uploaded uploaded
ended uploaded uploaded
missed uploaded uploaded
uploaded queued queued
ended transcribing transcribing
uploaded transcribing transcribing
queued transcribing transcribing
ended transcribed transcribed
uploaded transcribed transcribed
queued transcribed transcribed
transcribing transcribed transcribed
failed transcribed transcribed
ended failed failed
uploaded failed failed
queued failed failed
transcribing failed failed
transcribing validated validated
transcribed validated validated
failed validated validated
validated ticketed ticketed
`
  .trim()
  .split('\n')
  .map((line) => line.split(' ') as [CallStatus, LifecycleEvent, CallStatus]);

const accepted = new Map(ROWS.map(([from, event, to]) => [`${from} ${event}`, to]));

describe('the call transition table', () => {
  it.each(ROWS)('%s --%s--> %s', (from, event, to) => {
    expect(nextStatus(from, event)).toBe(to);
  });

  const refused = STATUSES.flatMap((from) =>
    LIFECYCLE_EVENTS.filter((event) => !accepted.has(`${from} ${event}`)).map(
      (event) => [from, event] as const,
    ),
  );

  it('refuses every other move', () => {
    expect(refused.length + ROWS.length).toBe(STATUSES.length * LIFECYCLE_EVENTS.length);
    for (const [from, event] of refused)
      expect([from, event, nextStatus(from, event)]).toEqual([from, event, null]);
  });

  it.each([
    ['ringing', 'ticketed'],
    ['ended', 'held'],
    ['ticketed', 'transcribed'],
    ['transcribed', 'transcribing'],
    ['failed', 'transcribing'],
    ['queued', 'validated'],
    ['validated', 'uploaded'],
  ] as const)('refuses %s --%s--> (a move back or a skip)', (from, event) => {
    expect(nextStatus(from, event)).toBeNull();
  });

  it('names each refused move for the person who asked for it (409 at the HTTP edge)', () => {
    expect(new CallTransitionError('ended', 'held').message).toBe('a ended call cannot be held');
    expect(new CallTransitionError('queued', 'answered').message).toBe(
      'the call is already queued: it cannot be answered',
    );
    expect(new CallTransitionError('queued', 'answered')).toMatchObject({
      from: 'queued',
      event: 'answered',
    });
  });

  it('lists what each processing step leaves, for conditional writes', () => {
    expect(statusesLeftBy('transcribing').sort()).toEqual(['ended', 'queued', 'uploaded']);
    expect(statusesLeftBy('ticketed')).toEqual(['validated']);
  });

  it('never lowers the rank of a call', () => {
    for (const [from, , to] of ROWS)
      expect([from, to, RANK[to] >= RANK[from]]).toEqual([from, to, true]);
  });
});

/** A small seeded generator, so that a failing order can be replayed from the seed in the message. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One call's events in the order they happen; deliveries shuffle, repeat and drop them. */
const HAPPY_PATH: LifecycleEvent[] = [
  'answered',
  'held',
  'resumed',
  'ended',
  'uploaded',
  'queued',
  'transcribing',
  'transcribed',
  'validated',
  'ticketed',
];

describe('a call under events in any order', () => {
  it('never moves backwards and never reaches a status whose event it has not received', () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const next = random(seed);
      const events = [...HAPPY_PATH, ...(next() < 0.3 ? (['failed'] as const) : [])]
        .flatMap((e) => (next() < 0.2 ? [e, e] : next() < 0.1 ? [] : [e]))
        .map((e) => ({ e, k: next() }))
        .sort((a, b) => a.k - b.k)
        .map(({ e }) => e);
      let status: CallStatus = 'ringing';
      const seen = new Set<LifecycleEvent>();
      const trail: string[] = [status];
      for (const event of events) {
        seen.add(event);
        const to = nextStatus(status, event);
        if (!to) continue;
        trail.push(`${event}→${to}`);
        const context = `seed ${seed}: ${trail.join(' ')}`;
        expect([context, RANK[to] >= RANK[status]]).toEqual([context, true]);
        // Reached only through its own event (missed and connected through ended and answered/resumed).
        const cause: Partial<Record<CallStatus, LifecycleEvent[]>> = {
          connected: ['answered', 'resumed'],
          missed: ['ended'],
        };
        const by = cause[to] ?? [to as LifecycleEvent];
        expect([context, by.some((e) => seen.has(e))]).toEqual([context, true]);
        // A ticket only ever follows a validation.
        if (to === 'ticketed')
          expect([context, trail.some((s) => s.endsWith('→validated'))]).toEqual([context, true]);
        status = to;
      }
    }
  });

  it('visits every step, in order, when the events arrive in order', () => {
    let status: CallStatus = 'ringing';
    const visited: CallStatus[] = [status];
    for (const event of HAPPY_PATH) {
      status = nextStatus(status, event)!;
      visited.push(status);
    }
    expect(visited).toEqual([
      'ringing',
      'connected',
      'held',
      'connected',
      'ended',
      'uploaded',
      'queued',
      'transcribing',
      'transcribed',
      'validated',
      'ticketed',
    ]);
  });
});
