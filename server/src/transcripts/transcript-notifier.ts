import {
  rooms,
  type TranscriptFailedEvent,
  type TranscriptProgressEvent,
  type TranscriptReadyEvent,
} from '@cwn/protocol';
import { toCallDto } from '../calls/call-dto';
import type { CallModel } from '../db/models';
import type { IoServer } from '../realtime/socket';

/** Roles that follow every call live (wallboard, managers' app, admins). */
const WATCHERS = ['supervisor', 'manager', 'admin'] as const;

/**
 * Sends transcript events to the call's agent and to the watching roles.
 *
 * Every server replica receives every queue event, so progress (which is not arbitrated by the
 * database) is sent only to this replica's own sockets: each replica covers its clients once.
 * Events that follow a database change are sent once, cluster-wide, by the replica whose
 * conditional write succeeded.
 */
export class TranscriptNotifier {
  private readonly readyListeners: ((agentId: string, event: TranscriptReadyEvent) => void)[] = [];

  constructor(private readonly getIo: () => IoServer) {}

  /**
   * Also tells `listener` (Web Push) about each transcript stored, once cluster-wide. Listeners
   * must not block: they are called synchronously, and what they throw is caught and ignored.
   */
  onReady(listener: (agentId: string, event: TranscriptReadyEvent) => void): void {
    this.readyListeners.push(listener);
  }

  private get io(): IoServer {
    return this.getIo();
  }

  private audience(agentId: string): string[] {
    return [rooms.user(agentId), ...WATCHERS.map((r) => rooms.role(r))];
  }

  progress(agentId: string, event: TranscriptProgressEvent): void {
    this.io.local.to(this.audience(agentId)).emit('transcript.progress', event);
  }

  ready(agentId: string, event: TranscriptReadyEvent): void {
    this.io.to(this.audience(agentId)).emit('transcript.ready', event);
    for (const listener of this.readyListeners) {
      try {
        listener(agentId, event);
      } catch {
        // A listener's failure never reaches the transcript's storage (it is stored already).
      }
    }
  }

  failed(agentId: string, event: TranscriptFailedEvent): void {
    this.io.to(this.audience(agentId)).emit('transcript.failed', event);
  }

  validated(agentId: string, event: TranscriptReadyEvent): void {
    this.io.to(this.audience(agentId)).emit('transcript.validated', event);
  }

  /** The call's status moved (transcribing, transcribed, failed, validated). */
  callUpdated(call: CallModel): void {
    this.io.to(this.audience(call.agentId)).emit('call.updated', toCallDto(call));
  }
}
