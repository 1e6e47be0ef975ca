import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import {
  clientEventSchemas,
  rooms,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from '@cwn/protocol';
import type { Models } from '../db/models';
import type { Logger } from '../logger';
import { verifyAccessToken } from '../auth/tokens';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface RealtimeOptions {
  httpServer: HttpServer;
  models: Models;
  jwtSecret: string;
  corsOrigins: string[];
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
}

/**
 * Socket.IO on the API's HTTP server. The handshake must carry a valid access JWT in
 * `auth.token`; the socket then joins its user's room and its role's room. The Redis adapter
 * lets several server replicas emit to the same rooms.
 */
export function createRealtime(o: RealtimeOptions): IoServer {
  const io: IoServer = new Server(o.httpServer, {
    path: '/socket.io',
    cors: { origin: o.corsOrigins, credentials: false },
    serveClient: false,
  });
  const sub = o.redis.duplicate();
  sub.on('error', () => undefined);
  io.adapter(createAdapter(o.redis, sub, { key: `${o.redisPrefix}:socket.io` }));

  io.use(async (socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token.length === 0) {
      return next(new Error('unauthorized: auth.token is required'));
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
    socket.on('agent.presence', (payload, ack) => {
      const parsed = clientEventSchemas['agent.presence'].safeParse(payload);
      if (!parsed.success) {
        ack?.({ ok: false, error: { code: 'validation_failed', message: parsed.error.issues[0]?.message ?? 'invalid' } });
        return;
      }
      io.to(rooms.role('supervisor'))
        .to(rooms.role('admin'))
        .emit('agent.presence', {
          agentId: socket.data.userId,
          state: parsed.data.state,
          callId: parsed.data.callId,
          since: new Date().toISOString(),
        });
      ack?.({ ok: true });
    });
  });

  const close = io.close.bind(io);
  io.close = (fn) =>
    close((err) => {
      sub.disconnect();
      fn?.(err);
    });
  return io;
}
