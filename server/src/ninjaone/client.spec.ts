import { createLogger } from '../logger';
import { NinjaOneClient, type NinjaOneCredentials } from './client';
import type { ResolvedNinjaOneConfig } from './config';
import { NinjaOneError } from './errors';

/**
 * The retry policy, with a scripted fetch (the simulator-based tests in server/test/ninjaone
 * cover the same against real HTTP; these pin the edge cases).
 */
const config: ResolvedNinjaOneConfig = {
  baseUrl: 'https://ninja.test',
  authMode: 'client_credentials',
  clientId: 'id',
  clientSecret: 'secret',
  ticketFormId: null,
  statusId: null,
  priority: 'NONE',
  fallbackOrganizationId: null,
  subjectTemplate: null,
  phoneRegion: 'FR',
  redirectUri: 'http://x/cb',
  fingerprint: 'f1',
};

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

function setup(replies: Reply[], mode: ResolvedNinjaOneConfig['authMode'] = 'client_credentials') {
  const calls: Array<{ url: string; body: string | undefined }> = [];
  const sleeps: number[] = [];
  let stored: string | null = 'refresh-1';
  const credentials: NinjaOneCredentials = {
    resolve: async () => ({ ...config, authMode: mode }),
    refreshToken: async () => stored,
    storeRefreshToken: async (t) => {
      stored = t;
    },
    onChange: () => undefined,
  };
  let now = 1_000_000;
  const client = new NinjaOneClient({
    credentials,
    logger: createLogger('silent'),
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    fetch: (async (input: string | URL, init?: RequestInit) => {
      const url = String(input);
      calls.push({ url, body: init?.body as string | undefined });
      const r = url.endsWith('/ws/oauth/token')
        ? {
            status: 200,
            body: {
              access_token: `at-${calls.length}`,
              expires_in: 3600,
              refresh_token: `refresh-${calls.length + 1}`,
            },
          }
        : (replies.shift() ?? { status: 200, body: [] });
      return new Response(r.body === undefined ? null : JSON.stringify(r.body), {
        status: r.status,
        headers: { 'content-type': 'application/json', ...((r as Reply).headers ?? {}) },
      });
    }) as typeof fetch,
  });
  return { client, calls, sleeps, advance: (ms: number) => (now += ms), stored: () => stored };
}

describe('NinjaOneClient', () => {
  it('caches the token and renews it shortly before expiry', async () => {
    const s = setup([]);
    await s.client.request('GET', '/organizations');
    await s.client.request('GET', '/organizations');
    expect(s.calls.filter((c) => c.url.endsWith('/ws/oauth/token'))).toHaveLength(1);
    expect(s.calls[0]!.body).toContain('scope=monitoring+management');
    expect(s.calls[0]!.body).not.toContain('offline_access');
    s.advance(3_500_000); // 100 s before expiry: inside the renewal window
    await s.client.request('GET', '/organizations');
    expect(s.calls.filter((c) => c.url.endsWith('/ws/oauth/token'))).toHaveLength(2);
  });

  it('answers a 401 with one renewal and one retry, then gives up', async () => {
    const s = setup([{ status: 401 }, { status: 200, body: [1] }]);
    expect(await s.client.request('GET', '/organizations')).toEqual([1]);
    const t = setup([
      { status: 401 },
      {
        status: 401,
        body: { error: 'not_authenticated', error_description: 'Invalid credentials' },
      },
    ]);
    await expect(t.client.request('GET', '/organizations')).rejects.toMatchObject({
      kind: 'permanent',
      status: 401,
    });
    expect(t.calls.filter((c) => c.url.endsWith('/ws/oauth/token'))).toHaveLength(2);
  });

  it('waits Retry-After on 429, also for writes (nothing was processed)', async () => {
    const s = setup([
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 200, body: { id: 5 } },
    ]);
    expect(await s.client.request('POST', '/ticketing/ticket', { body: {} })).toEqual({ id: 5 });
    expect(s.sleeps).toEqual([7000]);
  });

  it('turns a Retry-After too long to wait into a retryable error carrying it', async () => {
    const s = setup([{ status: 429, headers: { 'retry-after': '600' } }]);
    await expect(s.client.request('GET', '/organizations')).rejects.toMatchObject({
      kind: 'retryable',
      retryAfterSeconds: 600,
    });
  });

  it('retries 5xx for reads; for writes it reports an ambiguous retryable error instead', async () => {
    const s = setup([{ status: 503 }, { status: 200, body: [] }]);
    expect(await s.client.request('GET', '/contacts')).toEqual([]);
    const w = setup([
      { status: 500, body: { resultCode: 'FAILURE', errorMessage: 'NullPointerException' } },
    ]);
    const err = (await w.client
      .request('POST', '/ticketing/ticket', { body: {} })
      .catch((e: unknown) => e)) as NinjaOneError;
    expect(err).toBeInstanceOf(NinjaOneError);
    expect(err).toMatchObject({ kind: 'retryable', ambiguous: true, status: 500 });
    expect(err.message).toMatch(/NullPointerException/);
  });

  it('makes other 4xx permanent with the API’s message', async () => {
    const s = setup([
      { status: 400, body: { resultCode: 'VALIDATION_FAILED', errorMessage: 'subject: too long' } },
    ]);
    await expect(s.client.request('POST', '/ticketing/ticket', { body: {} })).rejects.toMatchObject(
      {
        kind: 'permanent',
        status: 400,
        message: 'NinjaOne refused POST /ticketing/ticket (400): subject: too long',
      },
    );
  });

  it('authorization-code mode uses the stored refresh token and keeps the rotated one', async () => {
    const s = setup([], 'authorization_code');
    await s.client.request('GET', '/organizations');
    expect(s.calls[0]!.body).toContain('grant_type=refresh_token');
    expect(s.calls[0]!.body).toContain('refresh_token=refresh-1');
    expect(s.stored()).toBe('refresh-2');
  });
});
