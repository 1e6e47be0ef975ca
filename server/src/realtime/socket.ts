import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import {
  clientEventSchemas,
  KIOSK_TOKEN_PREFIX,
  rooms,
  WALLBOARD_ROOMS,
  type AgentPresence,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from '@cwn/protocol';
import type { Models } from '../db/models';
import type { Logger } from '../logger';
import { verifyAccessToken } from '../auth/tokens';
import type { PresenceStore } from '../dashboard/presence-store';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface RealtimeOptions {
  httpServer: HttpServer;
  models: Models;
  jwtSecret: string;
  corsOrigins: string[];
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
  /** Keeps each agent's last presence for the wallboard (Redis, shared by replicas). */
  presence?: PresenceStore;
  /** Kiosk tokens in `auth.token` (wall screens): the kiosk's id when valid, else null. */
  verifyKioskToken?: (token: string) => Promise<{ kioskId: string } | null>;
}

/**
 * Socket.IO on the API's HTTP server. The handshake must carry a valid access JWT in
 * `auth.token`; the socket then joins its user's room and its role's room. The Redis adapter
 * lets several server replicas emit to the same rooms.
 */
/**
 * The Redis adapter publishes without handling the promise: a publish still pending when the
 * connection closes (shutdown, a Redis outage) would be an unhandled rejection, which stops Node.
 * This makes a failed publish a logged warning instead (the broadcast to other replicas is lost).
 */
export function guardPublish(pub: Redis, logger: Pick<Logger, 'warn'>): void {
  const publish = pub.publish.bind(pub) as (channel: string, message: string) => Promise<number>;
  (pub as unknown as { publish: typeof publish }).publish = (channel, message) =>
    publish(channel, message).catch((err: unknown) => {
      logger.warn({ err }, 'socket.io: a broadcast to the other replicas was lost');
      return 0;
    });
}

/**
 * The adapter does not handle the promises of its (un)subscribe calls either: a server closed
 * while its subscriber is still connecting (right after start, or during a Redis outage) had them
 * rejected with "Connection is closed", unhandled. ioredis subscribes again by itself after a
 * reconnect, so a failure here only needs a trace.
 */
export function guardSubscriptions(sub: Redis, logger: Pick<Logger, 'debug'>): void {
  for (const name of ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'] as const) {
    const original = (sub[name] as (...args: unknown[]) => Promise<unknown>).bind(sub);
    (sub as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
      original(...args).catch((err: unknown) => {
        logger.debug({ err: err instanceof Error ? err.message : String(err) }, `socket.io: redis ${name} failed`);
        return 0;
      });
  }
}

export function createRealtime(o: RealtimeOptions): IoServer {
  const io: IoServer = new Server(o.httpServer, {
    path: '/socket.io',
    cors: { origin: o.corsOrigins, credentials: false },
    serveClient: false,
  });
  const pub = o.redis.duplicate();
  const sub = o.redis.duplicate();
  pub.on('error', () => undefined);
  sub.on('error', () => undefined);
  guardPublish(pub, o.logger);
  guardSubscriptions(sub, o.logger);
  io.adapter(createAdapter(pub, sub, { key: `${o.redisPrefix}:socket.io` }));

  io.use(async (socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token.length === 0) {
      return next(new Error('unauthorized: auth.token is required'));
    }
    if (token.startsWith(KIOSK_TOKEN_PREFIX)) {
      // A wall screen: read-only, in the kiosk room only (it receives what supervisors receive).
      try {
        const kiosk = o.verifyKioskToken ? await o.verifyKioskToken(token) : null;
        if (!kiosk) return next(new Error('unauthorized'));
        socket.data.userId = `kiosk:${kiosk.kioskId}`;
        socket.data.role = 'kiosk';
        return next();
      } catch (err) {
        o.logger.error({ err }, 'kiosk socket handshake failed');
        return next(new Error('internal'));
      }
    }
    const result = verifyAccessToken(o.jwtSecret, token);
    if (!result.ok) {
      return next(new Error(result.reason === 'expired' ? 'token_expired' : 'unauthorized'));
    }
    try {
      const user = await o.models.User.findByPk(result.claims.sub);
      if (!user || !user.active) return next(new Error('unauthorized'));
      socket.data.userId = user.id;
      socket.data.role = user.role;
      next();
    } catch (err) {
      o.logger.error({ err }, 'socket handshake failed');
      next(new Error('internal'));
    }
  });

  let closing = false;
  const publishPresence = async (presence: AgentPresence) => {
    await o.presence?.set(presence);
    io.to(WALLBOARD_ROOMS).emit('agent.presence', presence);
  };

  io.on('connection', (socket) => {
    void socket.join([rooms.user(socket.data.userId), rooms.role(socket.data.role)]);
    const isKiosk = socket.data.role === 'kiosk';
    socket.on('agent.presence', async (payload, ack) => {
      if (isKiosk) {
        ack?.({ ok: false, error: { code: 'forbidden', message: 'kiosk screens are read-only' } });
        return;
      }
      const parsed = clientEventSchemas['agent.presence'].safeParse(payload);
      if (!parsed.success) {
        ack?.({ ok: false, error: { code: 'validation_failed', message: parsed.error.issues[0]?.message ?? 'invalid' } });
        return;
      }
      try {
        await publishPresence({
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
    if (socket.data.role === 'agent' && o.presence) {
      // An agent whose last socket goes away is offline (browser closed, extension stopped).
      socket.on('disconnect', () => {
        if (closing) return; // a server restart is not the agent leaving: keep their state
        void (async () => {
          const left = await io.in(rooms.user(socket.data.userId)).fetchSockets();
          if (left.length > 0) return;
          await publishPresence({ agentId: socket.data.userId, state: 'offline', callId: null, since: new Date().toISOString() });
        })().catch((err: unknown) => o.logger.warn({ err }, 'offline presence update failed'));
      });
    }
  });

  const close = io.close.bind(io);
  io.close = (fn) => {
    closing = true;
    return close((err) => {
      sub.disconnect();
      // quit lets broadcasts already sent finish; never wait more than a second for it
      void Promise.race([pub.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]).finally(
        () => pub.disconnect(),
      );
      fn?.(err);
    });
  };
  return io;
}
