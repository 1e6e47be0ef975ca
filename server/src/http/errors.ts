import type { ErrorCode } from '@cwn/protocol';

/**
 * An error that maps to one HTTP response with the protocol's error body. Throw it anywhere in a
 * request's path; the error handler turns it into `{ error: { code, message, details } }`.
 * Messages are shown to users: say what is wrong and never include secrets.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Seconds a client should wait before sending the request again (sent as Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  /** 503: a service we need (Redis, the database) is away; nothing was done, send it again. */
  static unavailable(message: string, retryAfterSeconds: number) {
    return new HttpError(503, 'service_unavailable', message, undefined, retryAfterSeconds);
  }

  static badRequest(message: string, details?: unknown) {
    return new HttpError(400, 'bad_request', message, details);
  }
  static unauthorized(message = 'authentication required') {
    return new HttpError(401, 'unauthorized', message);
  }
  static forbidden(message = 'your role does not allow this') {
    return new HttpError(403, 'forbidden', message);
  }
  static notFound(message = 'not found') {
    return new HttpError(404, 'not_found', message);
  }
  static conflict(message: string, details?: unknown) {
    return new HttpError(409, 'conflict', message, details);
  }
  static payloadTooLarge(message: string) {
    return new HttpError(413, 'payload_too_large', message);
  }
  static unsupportedMediaType(message: string) {
    return new HttpError(415, 'unsupported_media_type', message);
  }
}
