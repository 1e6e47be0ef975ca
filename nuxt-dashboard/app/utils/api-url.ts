import { useRuntimeConfig } from '#imports';

/** The API's absolute URL for a path; same origin unless NUXT_PUBLIC_API_BASE was set at build. */
export function apiUrl(path: string): string {
  const base = String(useRuntimeConfig().public.apiBase || window.location.origin);
  return new URL(path, base).toString();
}
