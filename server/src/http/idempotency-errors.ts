/** Why the idempotency store refused a request (http/domain-errors answers each: 400, 409, 422, 503). */
export type IdempotencyProblem = 'invalid_key' | 'in_progress' | 'key_reused' | 'store_unavailable';

/** The `Idempotency-Key` store's own refusal; its message is shown to the client. */
export class IdempotencyError extends Error {
  constructor(
    readonly problem: IdempotencyProblem,
    message: string,
  ) {
    super(message);
    this.name = 'IdempotencyError';
  }
}
