/**
 * The extension's way to our server: the typed client of @cwn/protocol (routes, bodies and answers
 * checked against the route table), made for the server URL of the moment (the options page can
 * change it) and a bearer token the caller has already obtained.
 */
import { createApiClient, type ApiClient, type ApiClientOptions } from '@cwn/protocol';

export type { ApiClient };

/** The configured server URL without its trailing slashes. */
export function serverBase(url: string): string {
  return url.replace(/\/+$/, '');
}

export async function serverClient(
  serverUrl: () => Promise<string>,
  options: Omit<ApiClientOptions, 'baseUrl'> = {},
): Promise<ApiClient> {
  return createApiClient({ baseUrl: serverBase(await serverUrl()), ...options });
}

/** A client that sends this token (already fresh); no refresh on 401 (callers retry later). */
export function tokenClient(serverUrl: string, token: string): ApiClient {
  return createApiClient({ baseUrl: serverBase(serverUrl), getAccessToken: () => token });
}
