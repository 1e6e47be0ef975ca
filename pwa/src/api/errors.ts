import { ErrorBody, type ErrorCode } from '@cwn/protocol';

/** A refusal from the server (4xx/5xx), with the machine-readable code of the protocol. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'unknown',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static async from(res: Response): Promise<ApiError> {
    const parsed = ErrorBody.safeParse(await res.json().catch(() => null));
    if (parsed.success) {
      const { code, message, details } = parsed.data.error;
      return new ApiError(res.status, code, message, details);
    }
    return new ApiError(
      res.status,
      'unknown',
      `the server answered ${res.status} ${res.statusText}`,
    );
  }
}

/** The server could not be reached at all (offline, DNS, refused, CORS): worth retrying later. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super(
      `the server could not be reached (${cause instanceof Error ? cause.message : String(cause)})`,
    );
    this.name = 'NetworkError';
  }
}
