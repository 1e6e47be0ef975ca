import { createApiClient, type ApiClient, type ApiClientOptions } from '@cwn/protocol';
import { useRuntimeConfig } from '#imports';

/** The API's origin; same origin unless NUXT_PUBLIC_API_BASE was set at build. */
export function apiBase(): string {
  return String(useRuntimeConfig().public.apiBase || window.location.origin);
}

/** The API's absolute URL for a path. */
export function apiUrl(path: string): string {
  return new URL(path, apiBase()).toString();
}

/** The typed client of @cwn/protocol against this dashboard's API. */
export function createDashboardClient(options: Omit<ApiClientOptions, 'baseUrl'> = {}): ApiClient {
  return createApiClient({ baseUrl: apiBase, ...options });
}
