import { AudioValidationError, type AudioProblem } from '../audio/errors';
import { ChecksumMismatchError } from '../storage/errors';
import { HttpError } from './errors';
import { IdempotencyError, type IdempotencyProblem } from './idempotency-errors';

const AUDIO: Record<AudioProblem, (message: string) => HttpError> = {
  malformed: (m) => HttpError.badRequest(m),
  too_large: (m) => HttpError.payloadTooLarge(m),
  unsupported: (m) => HttpError.unsupportedMediaType(m),
};

const IDEMPOTENCY: Record<IdempotencyProblem, (message: string) => HttpError> = {
  invalid_key: (m) => HttpError.badRequest(m),
  // A client sends it again after a second; Retry-After tells it so.
  in_progress: (m) => new HttpError(409, 'idempotency_in_progress', m, undefined, 1),
  key_reused: (m) => new HttpError(422, 'idempotency_key_reused', m),
  store_unavailable: (m) => new HttpError(503, 'service_unavailable', m),
};

/**
 * A feature's error that refuses a request because the stored state forbids it (a call that
 * cannot make that move, NinjaOne not configured yet) carries this mark; features sit above http,
 * so it names no class of theirs.
 */
export interface ConflictError extends Error {
  readonly conflict: true;
}

/**
 * A feature's error that says an outside service the request needed failed (NinjaOne): `unavailable`
 * when a retry may work (503), `refused` when that service turned the request down (502). Marked,
 * like ConflictError, so that http names no feature's class.
 */
export interface DependencyError extends Error {
  readonly dependency: 'unavailable' | 'refused';
}

const isConflict = (err: unknown): err is ConflictError =>
  err instanceof Error && (err as Partial<ConflictError>).conflict === true;

const dependencyOf = (err: unknown): DependencyError['dependency'] | null => {
  if (!(err instanceof Error)) return null;
  const d = (err as Partial<DependencyError>).dependency;
  return d === 'unavailable' || d === 'refused' ? d : null;
};

/**
 * The one place where lower layers' and features' own errors become HTTP answers (the error
 * handler asks it, and so do services that must tell a client's mistake from a server fault, and
 * the idempotency store, which remembers refusals); null for an error that is no client's business
 * (a 500).
 */
export function httpErrorOf(err: unknown): HttpError | null {
  if (err instanceof HttpError) return err;
  if (isConflict(err)) return HttpError.conflict(err.message);
  const dependency = dependencyOf(err);
  if (dependency)
    return new HttpError(
      dependency === 'unavailable' ? 503 : 502,
      'service_unavailable',
      (err as Error).message,
    );
  if (err instanceof AudioValidationError) return AUDIO[err.problem](err.message);
  if (err instanceof ChecksumMismatchError) return HttpError.badRequest(err.message);
  if (err instanceof IdempotencyError) return IDEMPOTENCY[err.problem](err.message);
  return null;
}
