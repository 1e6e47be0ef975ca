import { ErrorBody } from '@cwn/protocol';

/** An error answer from the API, with the protocol's code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static async from(res: Response): Promise<ApiError> {
    const body: unknown = await res.json().catch(() => null);
    const parsed = ErrorBody.safeParse(body);
    return parsed.success
      ? new ApiError(res.status, parsed.data.error.code, parsed.data.error.message)
      : new ApiError(res.status, 'internal', `HTTP ${res.status}`);
  }
}
