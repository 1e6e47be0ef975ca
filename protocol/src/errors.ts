import { z } from 'zod';

/**
 * Machine-readable error codes. The HTTP status is chosen by the server; the code lets clients
 * react without parsing messages.
 */
export const ErrorCode = z.enum([
  'bad_request',
  'validation_failed',
  'unauthorized',
  'token_expired',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal',
  'service_unavailable',
  'range_not_satisfiable',
  /** 408: the request's headers or body did not arrive in time (the connection is closed). */
  'request_timeout',
  /** 422: this Idempotency-Key was already used for a different request (route, target or body). */
  'idempotency_key_reused',
  /** 409: a request with this Idempotency-Key is still being processed; retry shortly. */
  'idempotency_in_progress',
  /** Web Push is not configured on this server (no VAPID keys). */
  'push_disabled',
  /** 409: a live append or close does not start where the held audio ends (`details.expectedOffset`). */
  'live_offset_mismatch',
  /** 409: the call already has a live recording (`details` names it and its offset). */
  'live_recording_exists',
  /** 409: the live recording is closed; nothing more is appended. */
  'live_recording_closed',
  /** 410: the live recording was discarded ("don't record this call"); nothing is taken any more. */
  'live_recording_discarded',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
    requestId: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** One entry of `details` for a `validation_failed` error. */
export const ValidationIssue = z.object({
  path: z.string(),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;
