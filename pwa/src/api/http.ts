import { createApiClient, type ApiClient } from '@cwn/protocol';

export type { ApiClient };

export interface TokenSource {
  /** The access token to send, or null when logged out. */
  accessToken(): string | null;
  /** Gets a new access token after a 401; resolves false when the session is over. */
  refresh(): Promise<boolean>;
}

/**
 * The typed client of @cwn/protocol against the configured server: the bearer token, one silent
 * refresh and retry on 401, and every answer validated against its contract before anyone uses it.
 */
export function createHttpClient(
  baseUrl: () => string,
  tokens: TokenSource,
  /** Default: the page's fetch, looked up at each call. */
  fetchImpl?: typeof fetch,
  /** Told after every attempt whether the server answered at all (the offline banner uses it). */
  onReachability: (reachable: boolean) => void = () => undefined,
): ApiClient {
  return createApiClient({
    baseUrl,
    fetch: fetchImpl,
    getAccessToken: () => tokens.accessToken(),
    refresh: () => tokens.refresh(),
    onReachability,
  });
}
