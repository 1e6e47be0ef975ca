import { AudioValidationError, type AudioProblem } from '../audio/errors';
import { ChecksumMismatchError } from '../storage/errors';
import { HttpError } from './errors';

const AUDIO: Record<AudioProblem, (message: string) => HttpError> = {
  malformed: (m) => HttpError.badRequest(m),
  too_large: (m) => HttpError.payloadTooLarge(m),
  unsupported: (m) => HttpError.unsupportedMediaType(m),
};

/**
 * A feature's error that refuses a request because the stored state forbids it (a call that
 * cannot make that move) carries this mark; features sit above http, so it names no class of theirs.
 */
export interface ConflictError extends Error {
  readonly conflict: true;
}

const isConflict = (err: unknown): err is ConflictError =>
  err instanceof Error && (err as Partial<ConflictError>).conflict === true;

/**
 * The one place where lower layers' own errors become HTTP answers (the error handler asks it,
 * and so do services that must tell a client's mistake from a server fault); null for an error
 * that is no client's business (a 500).
 */
export function httpErrorOf(err: unknown): HttpError | null {
  if (err instanceof HttpError) return err;
  if (isConflict(err)) return HttpError.conflict(err.message);
  if (err instanceof AudioValidationError) return AUDIO[err.problem](err.message);
  if (err instanceof ChecksumMismatchError) return HttpError.badRequest(err.message);
  return null;
}
