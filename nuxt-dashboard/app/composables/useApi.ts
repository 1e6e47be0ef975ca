import type { z } from 'zod';
import { matchRoute, type ApiClient } from '@cwn/protocol';
import { useRoute, useRouter } from '#imports';
import { useSessionStore } from '~/stores/session';
import { createDashboardClient } from '~/utils/api-url';

export interface ApiOptions<S extends z.ZodType> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Validates the answer (the route's own response schema is checked in any case). */
  schema?: S;
  /** Send this bearer instead of the session's (a kiosk token). */
  token?: string;
}

export interface Api {
  <S extends z.ZodType>(path: string, o?: ApiOptions<S>): Promise<z.infer<S>>;
  /** The typed client (`api.client.getCall({ params: { id } })`), with the same session handling. */
  client: ApiClient;
}

/** `?a=1&a=2&b=3` → `{ a: ['1', '2'], b: '3' }`. */
function queryOf(search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(search.keys())) {
    const all = search.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

/**
 * Calls the API as the signed-in user, through the typed client of @cwn/protocol: on `401
 * token_expired` it refreshes once and retries; when the session cannot be refreshed it sends the
 * user to the login page. `api(path, options)` finds the route of the table that serves the path.
 */
export function useApi(): Api {
  const session = useSessionStore();
  // Taken now: composables cannot be called after an await.
  const route = useRoute();
  const router = useRouter();
  const client = createDashboardClient({
    getAccessToken: () => session.accessToken,
    refreshOn: (err) => err.code === 'token_expired',
    refresh: () => session.refresh(),
    onUnauthorized: async (err) => {
      // A refresh that failed for want of the server keeps the session (the next call retries).
      if (err.code !== 'token_expired' || !session.accessToken) {
        await session.logout();
        await router.push({ path: '/login', query: { next: route.fullPath } });
      }
    },
  });
  const api = async <S extends z.ZodType>(
    path: string,
    o: ApiOptions<S> = {},
  ): Promise<z.infer<S>> => {
    const url = new URL(path, 'http://api.invalid');
    const method = o.method ?? 'GET';
    const match = matchRoute(method, url.pathname);
    if (!match) throw new Error(`${method} ${url.pathname} is no route of the API`);
    const input = {
      params: match.params,
      query: queryOf(url.searchParams),
      body: o.body,
      ...(o.token ? { anonymous: true, headers: { Authorization: `Bearer ${o.token}` } } : {}),
    };
    let data: unknown = (await client.request(match.name, input as never)).data;
    // A route that answers bytes (an export) may answer JSON too (its dry run): read that.
    if (data instanceof Response && /json/.test(data.headers.get('Content-Type') ?? '')) {
      data = await data.json();
    }
    return o.schema ? o.schema.parse(data) : (data as z.infer<S>);
  };
  return Object.assign(api, { client });
}
