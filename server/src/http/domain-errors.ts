import { AudioValidationError, type AudioProblem } from '../audio/errors';
import { CallTransitionError } from '../calls/lifecycle/transitions';
import { ChecksumMismatchError } from '../storage/errors';
import { HttpError } from './errors';

const AUDIO: Record<AudioProblem, (message: string) => HttpError> = {
  malformed: (m) => HttpError.badRequest(m),
  too_large: (m) => HttpError.payloadTooLarge(m),
  unsupported: (m) => HttpError.unsupportedMediaType(m),
};

/**
 * The one place where lower layers' own errors become HTTP answers (the error handler asks it,
 * and so do services that must tell a client's mistake from a server fault); null for an error
 * that is no client's business (a 500).
 */
export function httpErrorOf(err: unknown): HttpError | null {
  if (err instanceof HttpError) return err;
  if (err instanceof CallTransitionError) return HttpError.conflict(err.message);
  if (err instanceof AudioValidationError) return AUDIO[err.problem](err.message);
  if (err instanceof ChecksumMismatchError) return HttpError.badRequest(err.message);
  return null;
}
