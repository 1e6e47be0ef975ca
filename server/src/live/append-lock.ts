import type { Redis } from 'ioredis';
import { HttpError } from '../http/errors';

/** Held at most this long (a crashed holder's lock expires by itself). */
const LOCK_MS = 15_000;
/** A Redis that does not answer within this is away. */
const REDIS_TIMEOUT_MS = 2_000;
const TRIES = 40;
const RETRY_DELAY_MS = 50;
export const LIVE_RETRY_AFTER_SECONDS = 2;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

const unavailable = () =>
  HttpError.unavailable(
    'Redis is unreachable: nothing was stored, send the same audio again in a moment',
    LIVE_RETRY_AFTER_SECONDS,
  );

/**
 * The short lock an append or close takes on a live recording, in Redis, so that two replicas
 * never write one log at once. Its connection fails at once while Redis is away (no offline
 * queue): the request answers 503 before a byte is written, and the client resends.
 */
export class AppendLock {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async acquire(id: string): Promise<() => Promise<void>> {
    const key = `${this.prefix}:live-lock:${id}`;
    const token = crypto.randomUUID();
    for (let i = 0; i < TRIES; i++) {
      let got: string | null;
      try {
        got = await withTimeout(this.redis.set(key, token, 'PX', LOCK_MS, 'NX'));
      } catch {
        throw unavailable();
      }
      if (got === 'OK') {
        return async () => {
          await withTimeout(this.redis.eval(RELEASE, 1, key, token)).catch(() => undefined);
        };
      }
      await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
    }
    throw HttpError.unavailable(
      'another request is writing this live recording; send it again in a moment',
      1,
    );
  }
}

async function withTimeout<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('redis timeout')), REDIS_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
