import {
  API_ROUTES,
  type ApiRoute,
  type ApiRoutes,
  type RouteBodyInput,
  type RouteName,
  type RouteParamsInput,
  type RouteQueryInput,
  type RouteResult,
} from '../routes';
import { ApiError, ApiResponseError, NetworkError } from './errors';

export * from './errors';

type MaybePromise<T> = T | Promise<T>;

export interface ApiClientOptions {
  /** The server's origin (and path prefix, if any); '' for the page's own origin. */
  baseUrl: string | (() => string);
  fetch?: typeof fetch;
  /** The bearer token to send; null/undefined sends none. */
  getAccessToken?: () => MaybePromise<string | null | undefined>;
  /** After a 401: get a new access token; resolves false when the session is over. */
  refresh?: () => Promise<boolean>;
  /** Which 401s a refresh may cure (default: all); the others go to onUnauthorized at once. */
  refreshOn?: (error: ApiError) => boolean;
  /**
   * A 401 that a refresh could not cure (or no refresh at all): the session is over. Awaited
   * before the call rejects with the error.
   */
  onUnauthorized?: (error: ApiError) => void | Promise<void>;
  /** Told after every attempt whether the server answered at all (an offline banner). */
  onReachability?: (reachable: boolean) => void;
  /** Routes sent without a token and never refreshed on 401 (default: login, refresh, logout). */
  anonymous?: readonly RouteName[];
}

/** Raw request bodies (audio). A stream cannot be sent twice: no retry after a refresh for it. */
export type RawBody = Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array> | string;

type Field<K extends string, T> = [T] extends [never]
  ? { [P in K]?: undefined }
  : object extends T
    ? { [P in K]?: T }
    : { [P in K]: T };

type BodyField<R> = R extends { rawBody: readonly string[] }
  ? { body: RawBody; contentType?: R['rawBody'][number] }
  : Field<'body', RouteBodyInput<R>>;

export interface CommonInput {
  /** Extra headers (Idempotency-Key, Upload-Offset…). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send no token and do not refresh on 401 for this call. */
  anonymous?: boolean;
}

/** What one call of route R takes. */
export type CallInput<R> = Field<'params', RouteParamsInput<R>> &
  Field<'query', RouteQueryInput<R>> &
  BodyField<R> &
  CommonInput;

type Args<R> = object extends CallInput<R> ? [input?: CallInput<R>] : [input: CallInput<R>];

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  data: T;
}

type RouteMethods = {
  [N in RouteName]: (...args: Args<ApiRoutes[N]>) => Promise<RouteResult<ApiRoutes[N]>>;
};

export interface ApiClientCore {
  /** Calls route `name`; resolves to its validated body (void for 204, the Response for raw routes). */
  call<N extends RouteName>(
    name: N,
    ...args: Args<ApiRoutes[N]>
  ): Promise<RouteResult<ApiRoutes[N]>>;
  /** As `call`, with the status and headers (Upload-Offset, Location…). */
  request<N extends RouteName>(
    name: N,
    ...args: Args<ApiRoutes[N]>
  ): Promise<ApiResponse<RouteResult<ApiRoutes[N]>>>;
  /** The absolute URL of a route (an <audio src>, a link). */
  url<N extends RouteName>(
    name: N,
    input?: Pick<CallInput<ApiRoutes[N]>, 'params' | 'query'>,
  ): string;
}

export type ApiClient = ApiClientCore & RouteMethods;

const DEFAULT_ANONYMOUS: readonly RouteName[] = ['login', 'refresh', 'logout'];

/** `/api/calls/:id` with `{ id }` → `/api/calls/<id, encoded>`. */
export function buildPath(path: string, params: Record<string, unknown> | undefined): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null || value === '') {
      throw new TypeError(`${path}: the path parameter ${name} is missing`);
    }
    return encodeURIComponent(String(value));
  });
}

/** Query values: undefined, null and '' are left out, arrays repeat the key, the rest as strings. */
export function buildQuery(query: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined || v === null || v === '') continue;
      search.append(key, v instanceof Date ? v.toISOString() : String(v));
    }
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}

/**
 * The typed client of the route table: `client.getCall({ params: { id } })`. It builds the URL,
 * sends JSON bodies, the bearer token, refreshes once on 401 and retries, reads every error into
 * one `ApiError` and validates every JSON answer against the route's response schema.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const fetchImpl: typeof fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
  const anonymous = new Set<string>(options.anonymous ?? DEFAULT_ANONYMOUS);
  const base = () => {
    const b = typeof options.baseUrl === 'function' ? options.baseUrl() : options.baseUrl;
    return b.replace(/\/+$/, '');
  };

  const url = (name: RouteName, input: { params?: unknown; query?: unknown } = {}) => {
    const spec: ApiRoute = API_ROUTES[name];
    return (
      base() +
      buildPath(spec.path, input.params as Record<string, unknown>) +
      buildQuery(input.query as Record<string, unknown>)
    );
  };

  async function send(name: RouteName, input: Record<string, unknown>): Promise<Response> {
    const spec: ApiRoute = API_ROUTES[name];
    const target = url(name, input);
    const isAnonymous = Boolean(input.anonymous) || anonymous.has(name);
    const raw = Boolean(spec.rawBody);
    const body =
      raw || input.body !== undefined ? input.body : spec.body ? ({} as unknown) : undefined;
    const once = async () => {
      const headers: Record<string, string> = {
        Accept: spec.rawResponse ?? 'application/json',
        ...(input.headers as Record<string, string> | undefined),
      };
      const token = isAnonymous ? null : await options.getAccessToken?.();
      if (token) headers.Authorization = `Bearer ${token}`;
      let payload: RequestInit['body'];
      if (raw) {
        headers['Content-Type'] = (input.contentType as string | undefined) ?? spec.rawBody![0]!;
        payload = body as RequestInit['body'];
      } else if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        payload = JSON.stringify(body);
      }
      const init: RequestInit & { duplex?: 'half' } = {
        method: spec.method.toUpperCase(),
        headers,
        body: payload,
        signal: input.signal as AbortSignal | undefined,
      };
      if (typeof ReadableStream !== 'undefined' && payload instanceof ReadableStream) {
        init.duplex = 'half';
      }
      try {
        const res = await fetchImpl(target, init);
        options.onReachability?.(true);
        return res;
      } catch (err) {
        if ((err as { name?: string } | null)?.name === 'AbortError') throw err;
        options.onReachability?.(false);
        throw new NetworkError(err);
      }
    };
    let res = await once();
    if (res.status === 401 && !isAnonymous) {
      const replayable = !(typeof ReadableStream !== 'undefined' && body instanceof ReadableStream);
      const curable = !options.refreshOn || options.refreshOn(await ApiError.from(res.clone()));
      if (replayable && curable && options.refresh && (await options.refresh())) res = await once();
      if (res.status === 401) {
        const error = await ApiError.from(res);
        await options.onUnauthorized?.(error);
        throw error;
      }
    }
    if (!res.ok) throw await ApiError.from(res);
    return res;
  }

  async function request(name: RouteName, input: Record<string, unknown> = {}) {
    const spec: ApiRoute = API_ROUTES[name];
    const res = await send(name, input);
    const out = (data: unknown) => ({ status: res.status, headers: res.headers, data });
    if (spec.rawResponse) return out(res);
    if (res.status === 204 || spec.status === 204) return out(undefined);
    const text = await res.text();
    if (text === '') return out(undefined);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiResponseError(res.status, `${spec.method.toUpperCase()} ${spec.path}`, []);
    }
    if (!spec.response) return out(json);
    const parsed = spec.response.safeParse(json);
    if (!parsed.success) {
      throw new ApiResponseError(
        res.status,
        `${spec.method.toUpperCase()} ${spec.path}`,
        parsed.error.issues,
      );
    }
    return out(parsed.data);
  }

  const core = {
    request,
    call: async (name: RouteName, input?: Record<string, unknown>) =>
      (await request(name, input)).data,
    url,
  };
  const methods = Object.fromEntries(
    (Object.keys(API_ROUTES) as RouteName[]).map((name) => [
      name,
      (input?: Record<string, unknown>) => core.call(name, input),
    ]),
  );
  return { ...methods, ...core } as unknown as ApiClient;
}

/**
 * The route of the table that serves `method` `pathname` (no query), with its path parameters;
 * null when none does. For callers that hold a URL rather than a route (an <audio> source).
 */
export function matchRoute(
  method: string,
  pathname: string,
): { name: RouteName; params: Record<string, string> } | null {
  const m = method.toLowerCase();
  for (const name of Object.keys(API_ROUTES) as RouteName[]) {
    const spec: ApiRoute = API_ROUTES[name];
    if (spec.method !== m) continue;
    const keys: string[] = [];
    const pattern = spec.path
      .split('/')
      .map((part) => {
        if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        keys.push(part.slice(1));
        return '([^/]+)';
      })
      .join('/');
    const found = new RegExp(`^${pattern}$`).exec(pathname);
    if (!found) continue;
    const params: Record<string, string> = {};
    keys.forEach((k, i) => (params[k] = decodeURIComponent(found[i + 1]!)));
    return { name, params };
  }
  return null;
}
