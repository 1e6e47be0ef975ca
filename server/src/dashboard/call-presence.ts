import type { AgentPresence, AgentPresenceState, Call } from '@cwn/protocol';
import type { Logger } from '../logger';
import type { FanOut } from '../realtime/fan-out';
import type { PresenceStore } from './presence-store';

export type CallEventName = 'call.started' | 'call.updated' | 'call.ended';

/**
 * What a call report says about its agent's presence: the extension reports every call over REST
 * (ringing, answered, held, ended) but keeps no socket of its own, so the wallboard learns from
 * these. null: the event says nothing about the agent (e.g. a call created by a later upload).
 */
export function presenceStateOf(event: CallEventName, call: Call): AgentPresenceState | null {
  if (event === 'call.ended') return 'idle';
  switch (call.status) {
    case 'ringing':
      return 'ringing';
    case 'connected':
      return 'on_call';
    case 'held':
      return 'on_hold';
    default:
      return null;
  }
}

/** Stores the agent's presence derived from a call event and tells the wallboards. */
export function callPresencePublisher(
  presence: PresenceStore,
  fanOut: FanOut,
  logger: Logger,
  now: () => Date,
): (event: CallEventName, call: Call) => void {
  // One after another: an `ended` stored before the `answered` before it would leave a stale state.
  let last: Promise<void> = Promise.resolve();
  return (event, call) => {
    const state = presenceStateOf(event, call);
    if (!state) return;
    const next: AgentPresence = {
      agentId: call.agentId,
      state,
      callId: state === 'idle' ? null : call.id,
      since: now().toISOString(),
    };
    last = last
      .then(async () => {
        await presence.set(next);
        fanOut.publish('agent.presence', next);
      })
      .catch((err: unknown) => logger.warn({ err }, 'presence from a call report failed'));
  };
}
