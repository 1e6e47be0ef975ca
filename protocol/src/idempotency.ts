import { z } from 'zod';

/**
 * The `Idempotency-Key` header of the transcript writes (`PATCH /api/transcripts/:id`,
 * `POST /api/transcripts/:id/validate`): 1-128 visible ASCII characters. The same user sending the
 * same key with the same request gets the first answer again (the change is applied once); the
 * same key with a different request is refused (422 `idempotency_key_reused`); while the first is
 * still being processed, 409 `idempotency_in_progress`. Keys are kept 24 hours.
 * (Uploads have their own, stricter key: `IdempotencyKey` in recordings.ts.)
 */
export const RequestIdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7E]{1,128}$/, '1-128 visible ASCII characters (no spaces)');
export type RequestIdempotencyKey = z.infer<typeof RequestIdempotencyKey>;

/** How long the server remembers a key and its answer. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;
