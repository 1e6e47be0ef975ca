/**
 * The typed client's errors (@cwn/protocol client): `ApiError` for a refusal with the protocol's
 * error code (`ApiResponseError`, one of them, for an answer off its contract), `NetworkError` when
 * the server could not be reached at all.
 */
export { ApiError, ApiResponseError, NetworkError } from '@cwn/protocol';
