import type {
  TranscriptFailedEvent,
  TranscriptProgressEvent,
  TranscriptReadyEvent,
} from '@cwn/protocol';
import type { FanOut } from '../realtime/fan-out';

/**
 * Sends transcript events, through the realtime fan-out (its table says who receives them).
 *
 * Every server replica receives every queue event, so progress (which is not arbitrated by the
 * database) is sent only to this replica's own sockets: each replica covers its clients once.
 * Events that follow a database change are sent once, cluster-wide, by the replica whose
 * conditional write succeeded. The call's own status moves are the call lifecycle's to announce.
 */
export class TranscriptNotifier {
  constructor(private readonly fanOut: FanOut) {}

  progress(agentId: string, event: TranscriptProgressEvent): void {
    this.fanOut.publish('transcript.progress', event, { agentId });
  }

  ready(agentId: string, event: TranscriptReadyEvent): void {
    this.fanOut.publish('transcript.ready', event, { agentId });
  }

  failed(agentId: string, event: TranscriptFailedEvent): void {
    this.fanOut.publish('transcript.failed', event, { agentId });
  }

  validated(agentId: string, event: TranscriptReadyEvent): void {
    this.fanOut.publish('transcript.validated', event, { agentId });
  }
}
