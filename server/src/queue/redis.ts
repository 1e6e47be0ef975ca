import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger';

/**
 * A Redis connection for BullMQ and the Socket.IO adapter: commands wait while Redis is away
 * (maxRetriesPerRequest null, as BullMQ requires) and reconnects back off up to 5 s.
 */
export function createRedis(
  url: string,
  logger: Logger,
  name: string,
  extra: RedisOptions = {},
): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
    connectionName: `cwn-${name}`,
    lazyConnect: false,
    ...extra,
  });
  let lastLogged = 0;
  redis.on('error', (err) => {
    // One line every 10 s at most while Redis is down, not one per retry.
    const now = Date.now();
    if (now - lastLogged > 10_000) {
      lastLogged = now;
      logger.warn({ err: err.message, connection: name }, 'redis connection error');
    }
  });
  return redis;
}

/** A connection for health checks: fails at once instead of queueing while Redis is down. */
export function createProbeRedis(url: string, logger: Logger): Redis {
  return createRedis(url, logger, 'probe', {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
  });
}
