import {
  rooms,
  WALLBOARD_ROOMS,
  type DashboardChangedEvent,
  type ServerEventName,
  type ServerToClientEvents,
} from '@cwn/protocol';
import type { Logger } from '../logger';
import type { IoServer } from './socket';

/** Whom an event is about: the call's agent, and people who asked for it (a ticket's requester). */
export interface Subject {
  agentId?: string | null;
  userIds?: readonly string[];
}

/**
 * Audiences, by the rooms sockets join on connection (`user:<id>`, `role:<role>`):
 * - `agent`: the call's agent; `users`: the subject's user ids (a ticket's requester and agent);
 * - `watchers`: supervisors, managers and admins, who follow every call (wallboard, PWA, admin);
 * - `wallboard`: supervisors, admins and kiosk screens (read-only: figures and presence only).
 */
export type Audience = 'agent' | 'users' | 'watchers' | 'wallboard';

export const WATCHER_ROOMS = ['supervisor', 'manager', 'admin'].map((r) => rooms.role(r));

interface Route {
  to: readonly Audience[];
  /** Sent only to this replica's sockets: every replica handles the same queue event. */
  replica?: 'local';
  /** The wallboard's figures this event changes (a `dashboard.changed` follows, coalesced). */
  figures?: DashboardChangedEvent['reason'];
}

/** Who receives which Socket.IO event: the one table of the server's realtime fan-out. */
export const FAN_OUT: Record<ServerEventName, Route> = {
  'call.started': { to: ['agent', 'watchers'], figures: 'calls' },
  'call.updated': { to: ['agent', 'watchers'], figures: 'calls' },
  'call.ended': { to: ['agent', 'watchers'], figures: 'calls' },
  'recording.uploaded': { to: ['agent', 'watchers'] },
  'transcript.progress': { to: ['agent', 'watchers'], replica: 'local' },
  'transcript.live': { to: ['agent', 'watchers'] },
  'live.changed': { to: ['agent', 'watchers', 'wallboard'], figures: 'calls' },
  'transcript.ready': { to: ['agent', 'watchers'], figures: 'transcripts' },
  'transcript.failed': { to: ['agent', 'watchers'], figures: 'transcripts' },
  'transcript.validated': { to: ['agent', 'watchers'], figures: 'transcripts' },
  'ticket.created': { to: ['users', 'watchers'], figures: 'tickets' },
  'ticket.failed': { to: ['users', 'watchers'], figures: 'tickets' },
  'agent.presence': { to: ['wallboard'] },
  'dashboard.changed': { to: ['wallboard'] },
};

/** The rooms `event` about `subject` goes to, by the table. */
export function roomsFor(event: ServerEventName, subject: Subject = {}): string[] {
  const out = new Set<string>();
  for (const audience of FAN_OUT[event].to) {
    if (audience === 'agent' && subject.agentId) out.add(rooms.user(subject.agentId));
    if (audience === 'users') for (const id of subject.userIds ?? []) out.add(rooms.user(id));
    if (audience === 'watchers') for (const room of WATCHER_ROOMS) out.add(room);
    if (audience === 'wallboard') for (const room of WALLBOARD_ROOMS) out.add(room);
  }
  return [...out];
}

/** The room of one kiosk's sockets, so that revoking its token disconnects the screen at once. */
export const kioskRoom = (kioskId: string) => rooms.user(`kiosk:${kioskId}`);

type Payload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];
type Listener<E extends ServerEventName> = (payload: Payload<E>, subject: Subject) => void;

/**
 * Every Socket.IO event the server sends goes out here, to the rooms `FAN_OUT` lists. Modules on
 * the server side (Web Push, the wallboard's figures) listen to what is published.
 */
export class FanOut {
  private readonly listeners = new Map<ServerEventName, Listener<ServerEventName>[]>();
  private readonly figureListeners: ((reason: DashboardChangedEvent['reason']) => void)[] = [];

  constructor(
    private readonly io: IoServer,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  publish<E extends ServerEventName>(event: E, payload: Payload<E>, subject: Subject = {}): void {
    const route = FAN_OUT[event];
    const to = roomsFor(event, subject);
    const target = route.replica === 'local' ? this.io.local.to(to) : this.io.to(to);
    (target.emit as (e: E, p: Payload<E>) => boolean)(event, payload);
    for (const listener of this.listeners.get(event) ?? [])
      this.tell(() => listener(payload, subject), event);
    const reason = route.figures;
    if (reason)
      for (const listener of this.figureListeners) this.tell(() => listener(reason), event);
  }

  /** Also tells `listener` of each `event` published by this replica. Listeners must not block. */
  on<E extends ServerEventName>(event: E, listener: Listener<E>): void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as unknown as Listener<ServerEventName>);
    this.listeners.set(event, list);
  }

  /** Tells `listener` when a published event changes the wallboard's figures (`figures` in the table). */
  onFigures(listener: (reason: DashboardChangedEvent['reason']) => void): void {
    this.figureListeners.push(listener);
  }

  /** Disconnects a kiosk's screens (its token was revoked), on every replica. */
  disconnectKiosk(kioskId: string): void {
    this.io.in(kioskRoom(kioskId)).disconnectSockets(true);
  }

  private tell(fn: () => void, event: ServerEventName): void {
    try {
      fn();
    } catch (err) {
      // What was published is sent; a listener's failure (a push service) must not undo it.
      this.logger.warn({ err, event }, 'a realtime listener failed');
    }
  }
}
