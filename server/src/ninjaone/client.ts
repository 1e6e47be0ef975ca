import type { Logger } from '../logger';
import {
  AUTHORIZATION_CODE_SCOPE,
  CLIENT_CREDENTIALS_SCOPE,
  type ResolvedNinjaOneConfig,
} from './config';
import { apiMessage, NinjaOneError, USER_CONTEXT_MESSAGE } from './errors';
import type { RenewalLock } from './renewal-lock';

/** Where the client reads its settings and keeps the (rotating) refresh token. */
export interface NinjaOneCredentials {
  resolve(): Promise<ResolvedNinjaOneConfig>;
  refreshToken(): Promise<string | null>;
  storeRefreshToken(token: string): Promise<void>;
  /** NinjaOne refused this refresh token for good (invalid_grant). */
  connectionLost?(presented: string, reason: string): Promise<void>;
  onChange(listener: () => void): void;
}

export interface NinjaOneClientOptions {
  credentials: NinjaOneCredentials;
  logger: Logger;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Per request (default 20 s). */
  timeoutMs?: number;
  /** Renew an access token this long before it expires (default 120 s). */
  renewBeforeSeconds?: number;
  /** 429s waited out in-process before giving up with a retryable error (default 3). */
  maxRateLimitWaits?: number;
  /** Longest Retry-After honoured in-process; longer ones become a retryable error (default 60 s). */
  maxRetryAfterSeconds?: number;
  /** Serialises refresh-token renewals across processes (rotating refresh tokens are single-use). */
  renewalLock?: RenewalLock;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

export interface RawResponse {
  status: number;
  body: unknown;
  requestId: string | null;
}

interface TokenResponse {
  access_token: string;
  expires_in?: number;
  refresh_token?: string;
}

interface CachedToken {
  accessToken: string;
  expiresAt: number;
  fingerprint: string;
}

const IDEMPOTENT = new Set(['GET', 'HEAD']);

/**
 * NinjaOne Public API v2 client (ninjaone.md): OAuth2 client credentials or authorization code
 * with refresh (the refresh token is persisted each time NinjaOne rotates it), access tokens
 * cached and renewed before expiry, a 401 answered by one renewal and one retry, 429 (or an HTML
 * throttle page) waited out as told by Retry-After, 5xx retried for reads only. Writes are never
 * repeated after an answer that may mean they happened: the caller decides (ticket job).
 */
export class NinjaOneClient {
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private token: CachedToken | null = null;
  private renewing: Promise<CachedToken> | null = null;

  constructor(private readonly o: NinjaOneClientOptions) {
    this.fetch = o.fetch ?? globalThis.fetch;
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    o.credentials.onChange(() => this.forgetToken());
  }

  forgetToken(): void {
    this.token = null;
  }

  /** Puts a token obtained elsewhere (the code exchange) in the cache. */
  remember(config: ResolvedNinjaOneConfig, body: TokenResponse): void {
    this.token = this.cacheEntry(config, body);
  }

  async config(): Promise<ResolvedNinjaOneConfig> {
    return this.o.credentials.resolve();
  }

  // --- tokens -------------------------------------------------------------------------------

  private cacheEntry(config: ResolvedNinjaOneConfig, body: TokenResponse): CachedToken {
    const ttl = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    return {
      accessToken: body.access_token,
      expiresAt: this.now() + ttl * 1000,
      fingerprint: config.fingerprint,
    };
  }

  private async accessToken(config: ResolvedNinjaOneConfig): Promise<string> {
    const renewBefore = (this.o.renewBeforeSeconds ?? 120) * 1000;
    const t = this.token;
    if (t && t.fingerprint === config.fingerprint && t.expiresAt - renewBefore > this.now())
      return t.accessToken;
    // One renewal at a time: concurrent callers share it (a rotated refresh token is single-use).
    this.renewing ??= this.obtainToken(config).finally(() => {
      this.renewing = null;
    });
    this.token = await this.renewing;
    return this.token.accessToken;
  }

  private async obtainToken(config: ResolvedNinjaOneConfig): Promise<CachedToken> {
    if (config.authMode === 'authorization_code') {
      const lock: RenewalLock = this.o.renewalLock ?? ((fn) => fn());
      return lock(() => this.refreshGrant(config));
    }
    // Never offline_access here: NinjaOne answers invalid_scope (ninjaone.md §1.3).
    const body = await this.tokenRequest(config, {
      grant_type: 'client_credentials',
      client_id: config.clientId,
      client_secret: config.clientSecret,
      scope: CLIENT_CREDENTIALS_SCOPE,
    });
    this.o.logger.debug(
      { mode: config.authMode, expiresIn: body.expires_in },
      'ninjaone token obtained',
    );
    return this.cacheEntry(config, body);
  }

  /** The refresh grant: the stored token is read inside the renewal lock, and replaced if rotated. */
  private async refreshGrant(config: ResolvedNinjaOneConfig): Promise<CachedToken> {
    const refreshToken = await this.o.credentials.refreshToken();
    if (!refreshToken) {
      throw new NinjaOneError(
        'NinjaOne is not connected: an admin must click "Connect NinjaOne" in Settings → NinjaOne',
        { kind: 'permanent', code: 'not_connected' },
      );
    }
    let body: TokenResponse;
    try {
      body = await this.tokenRequest(config, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: config.clientId,
        client_secret: config.clientSecret,
      });
    } catch (err) {
      if (!(err instanceof NinjaOneError && err.code === 'invalid_grant')) throw err;
      // Revoked or expired consent: disconnected until an admin connects again.
      this.o.logger.warn({ status: err.status }, 'ninjaone refresh token refused: disconnected');
      await this.o.credentials.connectionLost?.(refreshToken, err.message);
      throw new NinjaOneError(err.message, {
        kind: 'permanent',
        status: err.status,
        code: 'not_connected',
        requestId: err.requestId,
      });
    }
    if (body.refresh_token) await this.o.credentials.storeRefreshToken(body.refresh_token);
    this.o.logger.debug(
      { mode: config.authMode, expiresIn: body.expires_in },
      'ninjaone token obtained',
    );
    return this.cacheEntry(config, body);
  }

  /** POST to the token endpoint (form-encoded, credentials in the body). */
  async tokenRequest(
    config: ResolvedNinjaOneConfig,
    form: Record<string, string>,
  ): Promise<TokenResponse> {
    let res: Response;
    try {
      res = await this.fetch(`${config.baseUrl}/ws/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 20_000),
      });
    } catch (err) {
      throw new NinjaOneError(
        `cannot reach NinjaOne at ${config.baseUrl}: ${(err as Error).message}`,
        {
          kind: 'retryable',
          code: 'network',
        },
      );
    }
    const body = await readBody(res);
    const requestId = res.headers.get('x-nj-request-id');
    if (
      res.ok &&
      body &&
      typeof body === 'object' &&
      typeof (body as TokenResponse).access_token === 'string'
    ) {
      return body as TokenResponse;
    }
    const { message, code } = apiMessage(body);
    if (res.status === 429 || res.status >= 500 || res.ok) {
      throw new NinjaOneError(`NinjaOne token endpoint answered ${res.status}; will retry`, {
        kind: 'retryable',
        status: res.status,
        code,
        requestId,
        retryAfterSeconds: retryAfter(res),
      });
    }
    let explanation: string;
    if (res.status === 404) {
      explanation =
        'NinjaOne does not know this client app here: check the region/base URL and the client id';
    } else if (code === 'invalid_client' || res.status === 401) {
      explanation = 'NinjaOne refused the client id or client secret';
    } else if (code === 'invalid_grant') {
      explanation =
        form.grant_type === 'refresh_token'
          ? 'the NinjaOne connection has expired or was revoked: an admin must click "Connect NinjaOne" again'
          : 'NinjaOne refused the authorization code (expired, reused or wrong redirect URI)';
    } else if (code === 'invalid_scope') {
      explanation = `the NinjaOne client app lacks a scope we ask for (${form.scope ?? AUTHORIZATION_CODE_SCOPE})`;
    } else if (code === 'unauthorized_client') {
      explanation = `this grant (${form.grant_type}) is not enabled on the NinjaOne client app`;
    } else {
      explanation = 'NinjaOne refused the token request';
    }
    throw new NinjaOneError(
      `${explanation} (${res.status}${message && message !== code ? `: ${message}` : code ? ` ${code}` : ''})`,
      {
        kind: 'permanent',
        status: res.status,
        code: code ?? 'token_refused',
        requestId,
      },
    );
  }

  // --- API calls ----------------------------------------------------------------------------

  /** A request whose non-2xx answers come back as values (for probes). 401/429 are still handled. */
  async raw(method: string, path: string, options: RequestOptions = {}): Promise<RawResponse> {
    return this.send(method, path, options, false);
  }

  /** A request that throws a classified NinjaOneError for anything but 2xx. */
  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<T> {
    return (await this.send(method, path, options, true)).body as T;
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
    throwOnError: boolean,
  ): Promise<RawResponse> {
    const config = await this.config();
    const url = new URL(`${config.baseUrl}/v2${path}`);
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const idempotent = IDEMPOTENT.has(method);
    let renewed = false;
    let rateLimitWaits = 0;
    let serverRetries = 0;

    for (;;) {
      const token = await this.accessToken(config);
      let res: Response;
      try {
        res = await this.fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 20_000),
        });
      } catch (err) {
        if (idempotent && serverRetries < 2) {
          serverRetries += 1;
          await this.sleep(500 * 2 ** serverRetries);
          continue;
        }
        throw new NinjaOneError(
          `NinjaOne did not answer ${method} ${path}: ${(err as Error).message}`,
          {
            kind: 'retryable',
            code: 'network',
            ambiguous: !idempotent,
          },
        );
      }
      const requestId = res.headers.get('x-nj-request-id');
      const body = await readBody(res);
      const html = isHtml(res);

      if (res.status === 401 && !renewed) {
        // Expired or revoked early: renew once and retry once.
        renewed = true;
        this.forgetToken();
        continue;
      }
      if (res.status === 429 || (res.ok && html)) {
        // Throttled (429, or the HTML page some tenants send with 200): nothing was processed.
        const wait = retryAfter(res) ?? 2 ** rateLimitWaits;
        if (
          rateLimitWaits < (this.o.maxRateLimitWaits ?? 3) &&
          wait <= (this.o.maxRetryAfterSeconds ?? 60)
        ) {
          rateLimitWaits += 1;
          this.o.logger.info({ path, wait, requestId }, 'ninjaone rate limit: waiting as told');
          await this.sleep(wait * 1000);
          continue;
        }
        throw new NinjaOneError(`NinjaOne is rate limiting us (retry in ${wait} s)`, {
          kind: 'retryable',
          status: res.status,
          code: 'rate_limited',
          retryAfterSeconds: wait,
          requestId,
        });
      }
      if (res.status >= 500 && idempotent && serverRetries < 2) {
        serverRetries += 1;
        await this.sleep(500 * 2 ** serverRetries);
        continue;
      }
      if (res.ok || !throwOnError) return { status: res.status, body, requestId };

      const { message, code, incidentId } = apiMessage(body);
      const ref = incidentId ?? requestId;
      if (res.status >= 500) {
        throw new NinjaOneError(
          `NinjaOne failed (${res.status}${message ? `: ${message}` : ''}) on ${method} ${path}`,
          { kind: 'retryable', status: res.status, code, requestId: ref, ambiguous: !idempotent },
        );
      }
      if (code === 'user_context_required') {
        throw new NinjaOneError(USER_CONTEXT_MESSAGE, {
          kind: 'permanent',
          status: res.status,
          code,
          requestId: ref,
        });
      }
      throw new NinjaOneError(
        `NinjaOne refused ${method} ${path} (${res.status}): ${message ?? 'no reason given'}`,
        { kind: 'permanent', status: res.status, code, requestId: ref },
      );
    }
  }
}

function isHtml(res: Response): boolean {
  return (res.headers.get('content-type') ?? '').includes('text/html');
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** Retry-After as seconds (delta-seconds or an HTTP date); null when absent or unreadable. */
function retryAfter(res: Response): number | null {
  const v = res.headers.get('retry-after');
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const date = Date.parse(v);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
