import type { Transcript } from '@cwn/protocol';
import type { ModuleDeps } from '../module-deps';
import { registerCallRoutes } from './calls.routes';
import { CallsService } from './calls.service';
import { CallLifecycle, type CallMoved } from './lifecycle/call-lifecycle';

export interface CallsModule {
  /** The owner of every call's status: other modules move calls through it. */
  lifecycle: CallLifecycle;
  service: CallsService;
}

/** The Socket.IO event a call's move is told as. */
export function callEventOf(moved: CallMoved): 'call.started' | 'call.updated' | 'call.ended' {
  if (moved.event === 'created') return 'call.started';
  return moved.event === 'ended' ? 'call.ended' : 'call.updated';
}

/** Calls: their lifecycle (status), the REST routes, and each move published to the call's audience. */
export function createCallsModule(
  d: ModuleDeps & {
    /** The call's transcript, for the detail view (the transcripts module reads it). */
    transcriptOf: (callId: string) => Promise<Transcript | null>;
  },
): CallsModule {
  const lifecycle = new CallLifecycle(d.models, d.logger);
  lifecycle.onMoved((moved) =>
    d.fanOut.publish(callEventOf(moved), moved.call, { agentId: moved.call.agentId }),
  );
  const service = new CallsService(d.models, lifecycle, d.now, {
    defaultCountryCode: d.config.defaultCountryCode,
    transcriptOf: d.transcriptOf,
  });
  registerCallRoutes(d.routes, service);
  return { lifecycle, service };
}
