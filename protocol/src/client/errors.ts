import type { z } from 'zod';
import { ErrorBody, type ErrorCode } from '../errors';

/**
 * A refusal from the server (4xx/5xx) with the code of the protocol's error body
 * `{ error: { code, message, details?, requestId? } }`; `unknown` when the body was not that shape.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'unknown' | 'invalid_response',
    message: string,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Reads the error body of a failed response (once: it consumes the body). */
  static async from(res: Response): Promise<ApiError> {
    const parsed = ErrorBody.safeParse(await res.json().catch(() => null));
    if (parsed.success) {
      const { code, message, details, requestId } = parsed.data.error;
      return new ApiError(res.status, code, message, details, requestId);
    }
    return new ApiError(
      res.status,
      'unknown',
      `the server answered ${res.status} ${res.statusText}`.trim(),
    );
  }
}

/**
 * A 2xx answer that does not match the route's response schema (a server of another version, a
 * proxy's page): `details` holds the zod issues.
 */
export class ApiResponseError extends ApiError {
  constructor(
    status: number,
    readonly route: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    const first = issues[0];
    super(
      status,
      'invalid_response',
      `unexpected answer from ${route}: ${first ? `${first.path.join('.') || '(body)'}: ${first.message}` : 'not JSON'}`,
      issues,
    );
    this.name = 'ApiResponseError';
  }
}

/** The server could not be reached at all (offline, DNS, refused, CORS): worth retrying later. */
export class NetworkError extends Error {
  constructor(override readonly cause: unknown) {
    super(
      `the server could not be reached (${cause instanceof Error ? cause.message : String(cause)})`,
    );
    this.name = 'NetworkError';
  }
}
