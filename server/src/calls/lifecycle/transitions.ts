import { CALL_PHONE_STATUSES, CALL_PROCESSING_STATUSES, type CallStatus } from '@cwn/protocol';

/**
 * What moves a call: first the extension's reports of the phone call (answered, held, resumed,
 * ended), then each processing step, named after the status it leads to.
 */
export const LIFECYCLE_EVENTS = [
  'answered',
  'held',
  'resumed',
  'ended',
  'uploaded',
  'queued',
  'transcribing',
  'transcribed',
  'failed',
  'validated',
  'ticketed',
] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

const PHONE: readonly CallStatus[] = CALL_PHONE_STATUSES;
const PROCESSING: readonly CallStatus[] = CALL_PROCESSING_STATUSES;
const to = (
  target: CallStatus,
  from: readonly CallStatus[],
): Partial<Record<CallStatus, CallStatus>> => Object.fromEntries(from.map((s) => [s, target]));

/**
 * The one transition table of a call, both phases: `TRANSITIONS[event][from]` is the status the
 * event leads to; a missing entry is a refused move. Some rows jump over a step on purpose: queue
 * events can be lost (a worker's `active` never seen) and a late result may follow a failure.
 * A `ended` report after the phone call only records its time (the status stays).
 *
 * Live states (a transcript produced during the call) go between `connected`/`held` and `ended`:
 * add their events here and their rank in `RANK`.
 */
export const TRANSITIONS: Record<LifecycleEvent, Partial<Record<CallStatus, CallStatus>>> = {
  answered: { ringing: 'connected', connected: 'connected' },
  held: { connected: 'held', held: 'held' },
  resumed: { held: 'connected', connected: 'connected' },
  ended: {
    ringing: 'missed',
    connected: 'ended',
    held: 'ended',
    ended: 'ended',
    missed: 'missed',
    ...Object.fromEntries(PROCESSING.map((s) => [s, s])),
  },
  // The recording can arrive before the extension's `ended` report (offline queue, races).
  uploaded: to('uploaded', PHONE),
  queued: to('queued', ['uploaded']),
  // `failed` is not left for `transcribing`: a replica may see a job's late `active` after its failure.
  transcribing: to('transcribing', ['ended', 'uploaded', 'queued']),
  transcribed: to('transcribed', ['ended', 'uploaded', 'queued', 'transcribing', 'failed']),
  failed: to('failed', ['ended', 'uploaded', 'queued', 'transcribing']),
  validated: to('validated', ['transcribing', 'transcribed', 'failed']),
  ticketed: to('ticketed', ['validated']),
};

/** How far along a call is: no accepted move lowers it (connected ⇄ held share a rank). */
export const RANK: Record<CallStatus, number> = {
  ringing: 0,
  connected: 1,
  held: 1,
  ended: 2,
  missed: 2,
  uploaded: 3,
  queued: 4,
  transcribing: 5,
  failed: 6,
  transcribed: 7,
  validated: 8,
  ticketed: 9,
};

/** The status `event` leads to from `from`, or null when the move is refused. */
export function nextStatus(from: CallStatus, event: LifecycleEvent): CallStatus | null {
  return TRANSITIONS[event][from] ?? null;
}

/** The statuses `event` may leave (for conditional writes: `WHERE status IN (…)`). */
export function statusesLeftBy(event: LifecycleEvent): CallStatus[] {
  return Object.keys(TRANSITIONS[event]) as CallStatus[];
}

/** A move the table refuses (an HTTP request that asks for one gets 409). */
export class CallTransitionError extends Error {
  /** Answered as 409 at the HTTP edge (http/domain-errors). */
  readonly conflict = true as const;

  constructor(
    readonly from: CallStatus,
    readonly event: LifecycleEvent,
  ) {
    super(
      PROCESSING.includes(from)
        ? `the call is already ${from}: it cannot be ${event}`
        : `a ${from} call cannot be ${event}`,
    );
    this.name = 'CallTransitionError';
  }
}
