import type { z } from 'zod';
import { ApiError, NetworkError } from './errors';

export interface TokenSource {
  /** The access token to send, or null when logged out. */
  accessToken(): string | null;
  /** Gets a new access token after a 401; resolves false when the session is over. */
  refresh(): Promise<boolean>;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Requests that must not trigger a refresh (login, refresh itself). */
  anonymous?: boolean;
}

/**
 * fetch() against the configured server: JSON in and out, the bearer token, one silent refresh and
 * retry on 401, and every answer validated against its contract before anyone uses it.
 */
export class HttpClient {
  constructor(
    private readonly baseUrl: () => string,
    private readonly tokens: TokenSource,
    private readonly fetchImpl: typeof fetch = (...args) => globalThis.fetch(...args),
    /** Told after every attempt whether the server answered at all (the offline banner uses it). */
    private readonly onReachability: (reachable: boolean) => void = () => undefined,
  ) {}

  url(path: string, query?: RequestOptions['query']): string {
    const url = new URL(path, this.baseUrl());
    for (const [k, v] of Object.entries(query ?? {}))
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    return url.toString();
  }

  async raw(path: string, options: RequestOptions = {}): Promise<Response> {
    const send = () => {
      const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
      const token = options.anonymous ? null : this.tokens.accessToken();
      if (token) headers.Authorization = `Bearer ${token}`;
      if (options.body !== undefined) headers['Content-Type'] = 'application/json';
      return this.fetchImpl(this.url(path, options.query), {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      }).then(
        (res) => {
          this.onReachability(true);
          return res;
        },
        (err: unknown) => {
          this.onReachability(false);
          throw new NetworkError(err);
        },
      );
    };
    let res = await send();
    if (res.status === 401 && !options.anonymous && (await this.tokens.refresh()))
      res = await send();
    if (!res.ok) throw await ApiError.from(res);
    return res;
  }

  async json<T extends z.ZodType>(
    schema: T,
    path: string,
    options: RequestOptions = {},
  ): Promise<z.infer<T>> {
    const res = await this.raw(path, options);
    const parsed = schema.safeParse(await res.json());
    if (!parsed.success)
      throw new ApiError(
        res.status,
        'unknown',
        `unexpected answer from ${path}: ${parsed.error.message}`,
      );
    return parsed.data;
  }
}
