import { rooms, type Call, type Recording } from '@cwn/protocol';
import type { IoServer } from '../realtime/socket';

/** Roles that watch every call (wallboard, PWA, admin pages). */
const WATCHERS = ['supervisor', 'manager', 'admin'] as const;

/**
 * Socket.IO notifications about calls: to the watchers' role rooms and to the call's agent.
 * The io server is attached after construction (it needs the HTTP server), so emits before that
 * are dropped.
 */
export class CallEvents {
  private io: IoServer | undefined;
  private readonly listeners: ((event: 'call.started' | 'call.updated' | 'call.ended', call: Call) => void)[] = [];

  attach(io: IoServer): void {
    this.io = io;
  }

  private target(agentId: string) {
    let to = this.io!.to(rooms.user(agentId));
    for (const role of WATCHERS) to = to.to(rooms.role(role));
    return to;
  }

  /** Also tells `listener` of every call event (e.g. the wallboard's presence). */
  onCall(listener: (event: 'call.started' | 'call.updated' | 'call.ended', call: Call) => void): void {
    this.listeners.push(listener);
  }

  call(event: 'call.started' | 'call.updated' | 'call.ended', call: Call): void {
    if (this.io) this.target(call.agentId).emit(event, call);
    for (const listener of this.listeners) listener(event, call);
  }

  recordingUploaded(agentId: string, recording: Recording): void {
    if (this.io) this.target(agentId).emit('recording.uploaded', recording);
  }
}
