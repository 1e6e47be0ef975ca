import type { RequestHandler } from 'express';
import {
  rateLimit,
  ipKeyGenerator,
  type IncrementResponse,
  type Options,
  type Store,
} from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { ErrorBody } from '@cwn/protocol';

/**
 * A fixed-window counter in Redis (INCR + PEXPIRE NX in one MULTI), so that every server replica
 * counts the same attempts. If Redis is down the limiter lets requests through (logged by the
 * connection) rather than locking everyone out.
 */
export class RedisWindowStore implements Store {
  private windowMs = 60_000;
  readonly localKeys = false;

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const k = this.prefix + key;
    const res = await this.redis.multi().incr(k).pexpire(k, this.windowMs, 'NX').pttl(k).exec();
    if (!res) throw new Error('rate limit transaction aborted');
    const [[e1, hits], , [e3, ttl]] = res as [
      [Error | null, number],
      unknown,
      [Error | null, number],
    ];
    if (e1 || e3) throw e1 ?? e3;
    return { totalHits: hits, resetTime: new Date(Date.now() + Math.max(0, ttl)) };
  }

  async decrement(key: string): Promise<void> {
    await this.redis.decr(this.prefix + key);
  }

  async resetKey(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}

/** At most `max` login attempts per window for one IP and email pair. */
export function createLoginLimiter(opts: {
  redis: Redis;
  prefix: string;
  max: number;
  windowSeconds: number;
}): RequestHandler {
  return rateLimit({
    windowMs: opts.windowSeconds * 1000,
    limit: opts.max,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    passOnStoreError: true,
    store: new RedisWindowStore(opts.redis, `${opts.prefix}:rl:login:`),
    keyGenerator: (req) => {
      const email = typeof req.body?.email === 'string' ? req.body.email.trim().toLowerCase() : '';
      return `${ipKeyGenerator(req.ip ?? 'unknown')}|${email}`;
    },
    handler: (_req, res, _next, options) => {
      const retryAfter = Math.ceil(options.windowMs / 1000);
      res.setHeader('Retry-After', String(retryAfter));
      const body: ErrorBody = {
        error: {
          code: 'rate_limited',
          message: `too many login attempts: try again in ${Math.ceil(retryAfter / 60)} min`,
        },
      };
      res.status(429).json(body);
    },
  });
}
