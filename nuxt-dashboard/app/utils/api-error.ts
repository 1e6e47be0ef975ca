/** An error answer from the API, with the protocol's code and message: the typed client's own. */
export { ApiError, ApiResponseError, NetworkError } from '@cwn/protocol';
