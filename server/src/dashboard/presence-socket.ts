import { clientEventSchemas, rooms, type AgentPresence } from '@cwn/protocol';
import type { Logger } from '../logger';
import type { FanOut } from '../realtime/fan-out';
import type { IoServer } from '../realtime/socket';
import type { PresenceStore } from './presence-store';

/**
 * Agents' presence sent over their sockets (`agent.presence`): stored (Redis, shared by replicas)
 * and published to the wallboards; an agent whose last socket goes away is offline. Returns
 * `stop`, called before the server closes: a restart is not the agents leaving.
 */
export function servePresence(o: {
  io: IoServer;
  presence: PresenceStore;
  fanOut: FanOut;
  logger: Logger;
}): { stop(): void } {
  let closing = false;
  const publish = async (presence: AgentPresence) => {
    await o.presence.set(presence);
    o.fanOut.publish('agent.presence', presence);
  };

  o.io.on('connection', (socket) => {
    const isKiosk = socket.data.role === 'kiosk';
    socket.on('agent.presence', async (payload, ack) => {
      if (isKiosk) {
        ack?.({ ok: false, error: { code: 'forbidden', message: 'kiosk screens are read-only' } });
        return;
      }
      const parsed = clientEventSchemas['agent.presence'].safeParse(payload);
      if (!parsed.success) {
        ack?.({
          ok: false,
          error: {
            code: 'validation_failed',
            message: parsed.error.issues[0]?.message ?? 'invalid',
          },
        });
        return;
      }
      try {
        await publish({
          agentId: socket.data.userId,
          state: parsed.data.state,
          callId: parsed.data.callId,
          since: new Date().toISOString(),
        });
        ack?.({ ok: true });
      } catch (err) {
        o.logger.error({ err }, 'presence update failed');
        ack?.({ ok: false, error: { code: 'internal', message: 'presence could not be stored' } });
      }
    });
    if (socket.data.role === 'agent') {
      // An agent whose last socket goes away is offline (browser closed, extension stopped).
      socket.on('disconnect', () => {
        if (closing) return; // a server restart is not the agent leaving: keep their state
        void (async () => {
          const left = await o.io.in(rooms.user(socket.data.userId)).fetchSockets();
          if (left.length > 0) return;
          await publish({
            agentId: socket.data.userId,
            state: 'offline',
            callId: null,
            since: new Date().toISOString(),
          });
        })().catch((err: unknown) => o.logger.warn({ err }, 'offline presence update failed'));
      });
    }
  });

  return {
    stop: () => {
      closing = true;
    },
  };
}
