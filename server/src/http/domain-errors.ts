import { CallTransitionError } from '../calls/lifecycle/transitions';
import { HttpError } from './errors';

/**
 * The one place where lower layers' own errors become HTTP answers (the error handler asks it);
 * null for an error that is no client's business (a 500).
 */
export function httpErrorOf(err: unknown): HttpError | null {
  if (err instanceof HttpError) return err;
  if (err instanceof CallTransitionError) return HttpError.conflict(err.message);
  return null;
}
