import {
  DEFAULT_CONFIG,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_M2M_CLIENT_ID,
  DEMO_M2M_CLIENT_SECRET,
  DEMO_REDIRECT_URIS,
} from './sim';
import { pkcePair, startNinjaOneSim, type StartedSim } from './testkit';

let s: StartedSim;
const cb = DEMO_REDIRECT_URIS[0]!;

beforeAll(async () => {
  s = await startNinjaOneSim();
});
afterAll(async () => {
  await s.close();
});
beforeEach(() => {
  s.sim.reset();
  s.sim.configure(DEFAULT_CONFIG);
});

async function authorize(
  params: Record<string, string>,
): Promise<{ status: number; location: URL }> {
  const res = await fetch(`${s.url}/ws/oauth/authorize?${new URLSearchParams(params).toString()}`, {
    redirect: 'manual',
  });
  return { status: res.status, location: new URL(res.headers.get('location') ?? 'http://none/') };
}

async function code(extra: Record<string, string> = {}): Promise<string> {
  const r = await authorize({
    response_type: 'code',
    client_id: DEMO_CLIENT_ID,
    redirect_uri: cb,
    scope: 'monitoring management offline_access',
    state: 'xyz',
    ...extra,
  });
  expect(r.status).toBe(302);
  return r.location.searchParams.get('code')!;
}

const exchange = (c: string, extra: Record<string, string> = {}) =>
  s.tokenRequest({
    grant_type: 'authorization_code',
    code: c,
    redirect_uri: cb,
    client_id: DEMO_CLIENT_ID,
    client_secret: DEMO_CLIENT_SECRET,
    ...extra,
  });

const refresh = (rt: string) =>
  s.tokenRequest({
    grant_type: 'refresh_token',
    refresh_token: rt,
    client_id: DEMO_CLIENT_ID,
    client_secret: DEMO_CLIENT_SECRET,
  });

describe('client_credentials', () => {
  it('issues a bearer token without a refresh token', async () => {
    const r = await s.tokenRequest({
      grant_type: 'client_credentials',
      client_id: DEMO_CLIENT_ID,
      client_secret: DEMO_CLIENT_SECRET,
      scope: 'monitoring management',
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'monitoring management',
    });
  });

  it('gives every app scope except offline_access when scope is omitted', async () => {
    const t = await s.clientCredentials();
    expect(t.scope).toBe('monitoring management');
    expect(t.refresh_token).toBeUndefined();
  });

  it('refuses offline_access with 400 invalid_scope', async () => {
    const r = await s.tokenRequest({
      grant_type: 'client_credentials',
      client_id: DEMO_CLIENT_ID,
      client_secret: DEMO_CLIENT_SECRET,
      scope: 'monitoring management offline_access',
    });
    expect(r).toEqual({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('refuses a scope the app lacks with 400 invalid_scope', async () => {
    const r = await s.tokenRequest({
      grant_type: 'client_credentials',
      client_id: DEMO_M2M_CLIENT_ID,
      client_secret: DEMO_M2M_CLIENT_SECRET,
      scope: 'monitoring control',
    });
    expect(r).toEqual({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('honours expires_in from the config', async () => {
    s.sim.configure({ accessTokenTtlSeconds: 120 });
    expect((await s.clientCredentials()).expires_in).toBe(120);
  });

  it('also answers on the /oauth/token alias', async () => {
    const r = await s.tokenRequest(
      {
        grant_type: 'client_credentials',
        client_id: DEMO_CLIENT_ID,
        client_secret: DEMO_CLIENT_SECRET,
      },
      '/oauth/token',
    );
    expect(r.status).toBe(200);
  });
});

describe('token endpoint errors', () => {
  it('unknown client → 404 "Client app not exist"', async () => {
    const r = await s.tokenRequest({
      grant_type: 'client_credentials',
      client_id: 'nope',
      client_secret: 'x',
    });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      resultCode: 'Client app not exist',
      incidentId: expect.stringMatching(/^SIM-/),
    });
  });

  it('bad secret → 401 invalid_client, and the reply is configurable', async () => {
    const r = await s.tokenRequest({
      grant_type: 'client_credentials',
      client_id: DEMO_CLIENT_ID,
      client_secret: 'wrong',
    });
    expect(r).toEqual({ status: 401, body: { error: 'invalid_client' } });
    s.sim.configure({
      badClientSecret: {
        status: 400,
        body: { error: 'invalid_client', error_description: 'Bad credentials' },
      },
    });
    const r2 = await s.tokenRequest({
      grant_type: 'client_credentials',
      client_id: DEMO_CLIENT_ID,
      client_secret: 'wrong',
    });
    expect(r2).toEqual({
      status: 400,
      body: { error: 'invalid_client', error_description: 'Bad credentials' },
    });
  });

  it('grant not enabled on the app → 400 unauthorized_client', async () => {
    const r = await s.tokenRequest({
      grant_type: 'authorization_code',
      code: 'x',
      redirect_uri: cb,
      client_id: DEMO_M2M_CLIENT_ID,
      client_secret: DEMO_M2M_CLIENT_SECRET,
    });
    expect(r).toEqual({ status: 400, body: { error: 'unauthorized_client' } });
  });

  it('unknown grant → 400 unsupported_grant_type', async () => {
    const r = await s.tokenRequest({
      grant_type: 'password',
      client_id: DEMO_CLIENT_ID,
      client_secret: DEMO_CLIENT_SECRET,
    });
    expect(r).toEqual({ status: 400, body: { error: 'unsupported_grant_type' } });
  });

  it('accepts only form-urlencoded bodies', async () => {
    const res = await fetch(`${s.url}/ws/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: DEMO_CLIENT_ID,
        client_secret: DEMO_CLIENT_SECRET,
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('rejects Basic client authentication unless enabled', async () => {
    const basic = Buffer.from(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`).toString('base64');
    const post = () =>
      fetch(`${s.url}/ws/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${basic}`,
        },
        body: 'grant_type=client_credentials',
      });
    expect((await post()).status).toBe(400);
    s.sim.configure({ acceptBasicClientAuth: true });
    expect((await post()).status).toBe(200);
  });
});

describe('authorize page', () => {
  it('auto-approves with a 302 carrying code and state', async () => {
    const r = await authorize({
      response_type: 'code',
      client_id: DEMO_CLIENT_ID,
      redirect_uri: cb,
      scope: 'monitoring management offline_access',
      state: 'abc',
    });
    expect(r.status).toBe(302);
    expect(`${r.location.origin}${r.location.pathname}`).toBe(cb);
    expect(r.location.searchParams.get('state')).toBe('abc');
    expect(r.location.searchParams.get('code')).toEqual(expect.any(String));
  });

  it('redirects to the error page on a redirect_uri mismatch (trailing slash counts)', async () => {
    const r = await authorize({
      response_type: 'code',
      client_id: DEMO_CLIENT_ID,
      redirect_uri: `${cb}/`,
      state: 'abc',
    });
    expect(r.status).toBe(302);
    expect(r.location.pathname).toBe('/ws/oauth/error');
    expect(r.location.search).toBe(
      '?error=unauthorized_client&error_description=Invalid+redirect_uri',
    );
    const page = await fetch(r.location);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('Invalid redirect_uri');
  });

  it('sends invalid_scope and access_denied back to the redirect_uri', async () => {
    const r = await authorize({
      response_type: 'code',
      client_id: DEMO_CLIENT_ID,
      redirect_uri: cb,
      scope: 'control',
      state: 's1',
    });
    expect(r.location.searchParams.get('error')).toBe('invalid_scope');
    expect(r.location.searchParams.get('state')).toBe('s1');
    s.sim.configure({ authorizeDecision: 'deny' });
    const d = await authorize({
      response_type: 'code',
      client_id: DEMO_CLIENT_ID,
      redirect_uri: cb,
      state: 's2',
    });
    expect(d.location.searchParams.get('error')).toBe('access_denied');
  });
});

describe('authorization_code', () => {
  it('exchanges a code for access and refresh tokens', async () => {
    const r = await exchange(await code());
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'monitoring management offline_access',
      refresh_token: expect.any(String),
    });
  });

  it('gives no refresh token without offline_access', async () => {
    const r = await exchange(await code({ scope: 'monitoring management' }));
    expect(r.status).toBe(200);
    expect(r.body.refresh_token).toBeUndefined();
  });

  it('refuses a reused code, a wrong redirect_uri and an expired code with invalid_grant', async () => {
    const c1 = await code();
    expect((await exchange(c1)).status).toBe(200);
    expect(await exchange(c1)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const c2 = await code();
    expect(await exchange(c2, { redirect_uri: `${cb}/` })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    const c3 = await code();
    s.sim.advanceClock(601);
    expect(await exchange(c3)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('checks a PKCE S256 verifier when a challenge was sent', async () => {
    const pair = pkcePair();
    const withChallenge = () =>
      code({ code_challenge: pair.challenge, code_challenge_method: 'S256' });
    expect(await exchange(await withChallenge())).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(
      await exchange(await withChallenge(), { code_verifier: 'wrong-verifier' }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await exchange(await withChallenge(), { code_verifier: pair.verifier })).status).toBe(
      200,
    );
  });

  it('requires the client secret on the code exchange', async () => {
    expect((await exchange(await code(), { client_secret: 'nope' })).status).toBe(401);
  });
});

describe('refresh_token', () => {
  it('rotates by default: a new refresh token, the old one dies', async () => {
    const first = await s.authorizationCode();
    const r = await refresh(first.refresh_token!);
    expect(r.status).toBe(200);
    expect(r.body.refresh_token).toEqual(expect.any(String));
    expect(r.body.refresh_token).not.toBe(first.refresh_token);
    expect(await refresh(first.refresh_token!)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid refresh token' },
    });
    expect((await refresh(r.body.refresh_token as string)).status).toBe(200);
  });

  it('can keep the same refresh token, or omit it', async () => {
    s.sim.configure({ refreshTokenRotation: 'same' });
    const t = await s.authorizationCode();
    const r = await refresh(t.refresh_token!);
    expect(r.body.refresh_token).toBe(t.refresh_token);
    s.sim.configure({ refreshTokenRotation: 'omit' });
    const r2 = await refresh(t.refresh_token!);
    expect(r2.status).toBe(200);
    expect(r2.body.refresh_token).toBeUndefined();
    expect((await refresh(t.refresh_token!)).status).toBe(200);
  });

  it('dies after the configured max age since consent', async () => {
    s.sim.configure({ refreshTokenMaxAgeSeconds: 7 * 24 * 3600 });
    const t = await s.authorizationCode();
    s.sim.advanceClock(6 * 24 * 3600);
    const r = await refresh(t.refresh_token!);
    expect(r.status).toBe(200);
    s.sim.advanceClock(2 * 24 * 3600);
    expect((await refresh(r.body.refresh_token as string)).body).toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('refuses a refresh token of another client, and a revoked one', async () => {
    const t = await s.authorizationCode();
    const other = await s.tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: t.refresh_token!,
      client_id: DEMO_M2M_CLIENT_ID,
      client_secret: DEMO_M2M_CLIENT_SECRET,
    });
    expect(other).toEqual({ status: 400, body: { error: 'unauthorized_client' } });
    s.sim.revokeAllTokens();
    expect((await refresh(t.refresh_token!)).body).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('access token lifetime', () => {
  it('expires with the clock and with revocation', async () => {
    const t = await s.clientCredentials();
    expect((await s.api(t.access_token, 'GET', '/v2/organizations')).status).toBe(200);
    s.sim.advanceClock(3601);
    expect(await s.api(t.access_token, 'GET', '/v2/organizations')).toMatchObject({
      status: 401,
      body: {
        error: 'not_authenticated',
        error_description: 'Invalid credentials',
        error_code: 10,
      },
    });
    const t2 = await s.authorizationCode({ pkce: true });
    s.sim.revokeAllTokens('access');
    expect((await s.api(t2.access_token, 'GET', '/v2/organizations')).status).toBe(401);
  });
});
