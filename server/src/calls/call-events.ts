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

  attach(io: IoServer): void {
    this.io = io;
  }

  private target(agentId: string) {
    let to = this.io!.to(rooms.user(agentId));
    for (const role of WATCHERS) to = to.to(rooms.role(role));
    return to;
  }

  call(event: 'call.started' | 'call.updated' | 'call.ended', call: Call): void {
    if (this.io) this.target(call.agentId).emit(event, call);
  }

  recordingUploaded(agentId: string, recording: Recording): void {
    if (this.io) this.target(agentId).emit('recording.uploaded', recording);
  }
}
