import type { z } from 'zod';
import { useRoute, useRouter } from '#imports';
import { useSessionStore } from '~/stores/session';
import { ApiError } from '~/utils/api-error';
import { apiUrl } from '~/utils/api-url';

export interface ApiOptions<S extends z.ZodType> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Validates the answer (every boundary is checked). */
  schema?: S;
  /** Send this bearer instead of the session's (a kiosk token). */
  token?: string;
}

/**
 * Calls the API as the signed-in user: on `401 token_expired` it refreshes once and retries; when
 * the session cannot be refreshed it sends the user to the login page.
 */
export function useApi() {
  const session = useSessionStore();
  // Taken now: composables cannot be called after an await.
  const route = useRoute();
  const router = useRouter();
  return async function api<S extends z.ZodType>(
    path: string,
    o: ApiOptions<S> = {},
  ): Promise<z.infer<S>> {
    const send = (bearer: string | null) =>
      fetch(apiUrl(path), {
        method: o.method ?? 'GET',
        headers: {
          ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
          ...(o.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      });
    let res = await send(o.token ?? session.accessToken);
    if (res.status === 401 && !o.token) {
      const err = await ApiError.from(res.clone());
      if (err.code === 'token_expired' && (await session.refresh()))
        res = await send(session.accessToken);
      else if (err.code !== 'token_expired' || !session.accessToken) {
        await session.logout();
        await router.push({ path: '/login', query: { next: route.fullPath } });
        throw err;
      }
    }
    if (!res.ok) throw await ApiError.from(res);
    if (res.status === 204) return undefined as z.infer<S>;
    const body: unknown = await res.json();
    return o.schema ? o.schema.parse(body) : (body as z.infer<S>);
  };
}
