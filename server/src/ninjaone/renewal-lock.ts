import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Runs `fn` while holding a short Redis lock, so server replicas renew tokens one at a time. */
export type RenewalLock = <T>(fn: () => Promise<T>) => Promise<T>;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A rotating refresh token is single-use: two replicas renewing with the same one would leave the
 * slower with `invalid_grant`. Under this lock the renewal re-reads the stored (possibly just
 * rotated) token. The lock expires by itself (`ttlMs`) if its holder dies; waiting stops after
 * `waitMs` and proceeds anyway (a failed renewal is better than none).
 */
export function redisRenewalLock(
  redis: Redis,
  key: string,
  ttlMs = 30_000,
  waitMs = 20_000,
): RenewalLock {
  return async (fn) => {
    const token = randomUUID();
    const deadline = Date.now() + waitMs;
    let held = false;
    while (!held) {
      held = (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK';
      if (held || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    try {
      return await fn();
    } finally {
      if (held) await redis.eval(RELEASE, 1, key, token);
    }
  };
}
