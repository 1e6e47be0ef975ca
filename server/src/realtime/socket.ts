import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import {
  KIOSK_TOKEN_PREFIX,
  rooms,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from '@cwn/protocol';
import type { Models } from '../db/models';
import type { Logger } from '../logger';
import { verifyAccessToken } from '../auth/tokens';

export type IoServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

export interface RealtimeOptions {
  httpServer: HttpServer;
  models: Models;
  jwtSecret: string;
  corsOrigins: string[];
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
  /** Kiosk tokens in `auth.token` (wall screens): the kiosk's id when valid, else null. */
  verifyKioskToken?: (token: string) => Promise<{ kioskId: string } | null>;
}

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
        logger.debug(
          { err: err instanceof Error ? err.message : String(err) },
          `socket.io: redis ${name} failed`,
        );
        return 0;
      });
  }
}

/**
 * Socket.IO on the API's HTTP server. The handshake must carry a valid access JWT in
 * `auth.token`; the socket then joins its user's room and its role's room. The Redis adapter
 * lets several server replicas emit to the same rooms. What goes to which room is the fan-out's
 * (./fan-out); what clients send is handled by the module it concerns (presence: the dashboard).
 */
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

  io.on('connection', (socket) => {
    void socket.join([rooms.user(socket.data.userId), rooms.role(socket.data.role)]);
  });

  const close = io.close.bind(io);
  io.close = (fn) => {
    return close((err) => {
      sub.disconnect();
      // quit lets broadcasts already sent finish; never wait more than a second for it
      void Promise.race([
        pub.quit().catch(() => undefined),
        new Promise((r) => setTimeout(r, 1_000).unref()),
      ]).finally(() => pub.disconnect());
      fn?.(err);
    });
  };
  return io;
}
