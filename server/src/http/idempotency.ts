import { createHash, randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { ErrorCode, IDEMPOTENCY_KEY_TTL_HOURS, RequestIdempotencyKey } from '@cwn/protocol';
import type { Logger } from '../logger';
import { httpErrorOf } from './domain-errors';
import { HttpError } from './errors';
import { IdempotencyError } from './idempotency-errors';
import type { AuthUser } from './request-context';

/** What is remembered under a key: the request's fingerprint, then the answer once there is one. */
interface Entry {
  fingerprint: string;
  /** Present while the first request runs (it identifies that request's claim). */
  pending?: string;
  status?: number;
  /** A success body as sent. */
  body?: unknown;
  /** A refusal (4xx), replayed through the error handler (which adds this request's id). */
  error?: { code: ErrorCode; message: string; details?: unknown };
}

export interface IdempotencyOptions {
  /** How long a key and its answer are kept (default 24 h). */
  ttlMs?: number;
  /**
   * How long a claim lasts if its request never finishes (a crashed server): after that the key
   * can be used again. Far longer than a transcript write takes (its ticket queueing is bounded by 5 s).
   */
  pendingTtlMs?: number;
  /** How long to wait for Redis before answering 503 (the app's connection waits forever). */
  redisTimeoutMs?: number;
}

/** Replaces a claim with the answer, or drops it, only if it is still this request's claim. */
const SWAP_IF_OURS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
  return 1
end
return 0`;

const STORE_UNAVAILABLE =
  'the idempotency store (Redis) is unreachable; nothing was changed, try again';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * `Idempotency-Key` for JSON writes (the transcripts routes): the same user, key and request get
 * the first answer replayed, same status and body, without running the handler again. Kept in
 * Redis under the app's prefix with a TTL (docs/decisions/0402-idempotency-keys-in-redis.md):
 *
 * - claim: `SET key {fingerprint, pending} PX pendingTtl NX`; a concurrent duplicate finds the
 *   claim and gets 409 `idempotency_in_progress`;
 * - the handler's answer (2xx, or a 4xx refusal, which would be the same on a retry) replaces the
 *   claim for 24 h; a 5xx or an unexpected error drops the claim, so that a retry can run;
 * - the same key with another route, target or body: 422 `idempotency_key_reused`.
 *
 * Requests without the header run as before.
 */
export class IdempotencyStore {
  private readonly ttlMs: number;
  private readonly pendingTtlMs: number;
  private readonly redisTimeoutMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
    options: IdempotencyOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000;
    this.pendingTtlMs = options.pendingTtlMs ?? 5 * 60_000;
    this.redisTimeoutMs = options.redisTimeoutMs ?? 5_000;
  }

  /**
   * Runs `handler` at most once per (user, key). `request` is what makes two requests "the same"
   * (route, target, validated body). Returns the handler's result, or undefined when the first
   * answer was replayed on `res` (the route table then sends nothing more).
   */
  async run<T>(
    ctx: { req: Request; res: Response; user: AuthUser; request: unknown; status?: number },
    handler: () => Promise<T>,
  ): Promise<T | undefined> {
    const raw = ctx.req.headers['idempotency-key'];
    if (raw === undefined) return handler();
    const parsed = RequestIdempotencyKey.safeParse(raw);
    if (!parsed.success) {
      throw new IdempotencyError(
        'invalid_key',
        `Idempotency-Key header: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    }
    const key = `${this.prefix}:idempotency:${ctx.user.id}:${sha256(parsed.data)}`;
    const fingerprint = sha256(JSON.stringify(ctx.request));
    const claim = JSON.stringify({ fingerprint, pending: randomUUID() } satisfies Entry);

    if (!(await this.claim(key, claim))) {
      this.replay(ctx.res, await this.bounded(this.redis.get(key)), fingerprint);
      return undefined;
    }

    let result: T;
    try {
      result = await handler();
    } catch (err) {
      // A refusal is whatever the HTTP edge answers with a 4xx: a feature's own error (a call that
      // cannot make that move) as much as an HttpError.
      const refusal = httpErrorOf(err);
      if (refusal && refusal.status < 500) {
        await this.settle(key, claim, {
          fingerprint,
          status: refusal.status,
          error: {
            code: refusal.code,
            message: refusal.message,
            ...(refusal.details !== undefined ? { details: refusal.details } : {}),
          },
        });
      } else {
        // Nothing (or nothing certain) was done: let a retry run again.
        await this.settle(key, claim, null);
      }
      throw err;
    }
    await this.settle(key, claim, { fingerprint, status: ctx.status ?? 200, body: result });
    return result;
  }

  /** True when this request holds the key now; false when another request did before. */
  private async claim(key: string, claim: string): Promise<boolean> {
    const set = await this.bounded(this.redis.set(key, claim, 'PX', this.pendingTtlMs, 'NX'));
    return set === 'OK';
  }

  private replay(res: Response, stored: string | null, fingerprint: string): void {
    if (stored === null) {
      // The first request's claim went away between our SET NX and GET (it failed with a 5xx).
      throw new IdempotencyError(
        'in_progress',
        'a request with this Idempotency-Key was being processed; send it again',
      );
    }
    const entry = JSON.parse(stored) as Entry;
    if (entry.fingerprint !== fingerprint) {
      throw new IdempotencyError(
        'key_reused',
        'this Idempotency-Key was already used for a different request (another transcript, route or body); use a new key for a new change',
      );
    }
    if (entry.pending !== undefined || entry.status === undefined) {
      throw new IdempotencyError(
        'in_progress',
        'a request with this Idempotency-Key is still being processed; send it again in a moment',
      );
    }
    res.setHeader('Idempotent-Replayed', 'true');
    // The stored refusal is an HTTP answer already (status and body): it is replayed as one.
    if (entry.error)
      throw new HttpError(entry.status, entry.error.code, entry.error.message, entry.error.details);
    res.status(entry.status).json(entry.body);
  }

  /** Stores the answer over our claim (or drops the claim); a failure here is logged, not thrown. */
  private async settle(key: string, claim: string, entry: Entry | null): Promise<void> {
    try {
      await this.bounded(
        this.redis.eval(
          SWAP_IF_OURS,
          1,
          key,
          claim,
          entry ? JSON.stringify(entry) : '',
          String(this.ttlMs),
        ),
      );
    } catch (err) {
      // The change itself stands. A retry meets the claim until it expires (409), then runs again
      // and finds the change made (the transcript's version tells).
      this.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'idempotency answer not stored',
      );
    }
  }

  /** Redis commands wait while Redis is away; a write cannot wait that long. */
  private async bounded<T>(command: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new IdempotencyError('store_unavailable', STORE_UNAVAILABLE)),
        this.redisTimeoutMs,
      );
    });
    try {
      return await Promise.race([command, timeout]);
    } catch (err) {
      if (err instanceof IdempotencyError) throw err;
      this.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'idempotency store error',
      );
      throw new IdempotencyError('store_unavailable', STORE_UNAVAILABLE);
    } finally {
      clearTimeout(timer);
    }
  }
}
