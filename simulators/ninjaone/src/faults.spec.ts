import { DEFAULT_CONFIG, DEFAULT_RATE_LIMIT, fixedUid } from './sim';
import { startNinjaOneSim, type StartedSim } from './testkit';

let s: StartedSim;
let user: string;

beforeAll(async () => {
  s = await startNinjaOneSim();
});
afterAll(async () => {
  await s.close();
});
beforeEach(async () => {
  s.sim.reset();
  s.sim.configure(DEFAULT_CONFIG);
  s.sim.setRateLimit(DEFAULT_RATE_LIMIT);
  user = (await s.authorizationCode()).access_token;
});

const ticket = () => ({
  clientId: 1,
  ticketFormId: 1,
  subject: 'Imprimante hors ligne',
  status: '1000',
  requesterUid: fixedUid('c', 101),
  description: {
    public: false,
    body: 'Client: elle ne marche plus',
    htmlBody: '<p>Client: elle ne marche plus</p>',
  },
});

async function control(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${s.url}/__sim${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('rate limiting', () => {
  it('answers 429 with Retry-After once the bucket is empty, then succeeds after waiting', async () => {
    s.sim.setRateLimit({ mode: '429', capacity: 3, refillPerSecond: 0.5 });
    for (let i = 0; i < 3; i++)
      expect((await s.api(user, 'GET', '/v2/organizations')).status).toBe(200);
    const limited = await s.api(user, 'GET', '/v2/organizations');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.body).toEqual({
      resultCode: 'TOO_MANY_REQUESTS',
      incidentId: expect.stringMatching(/^SIM-/),
    });
    // Buckets are per access token.
    const other = (await s.clientCredentials()).access_token;
    expect((await s.api(other, 'GET', '/v2/organizations')).status).toBe(200);
    s.sim.advanceClock(Number(limited.headers.get('retry-after')));
    expect((await s.api(user, 'GET', '/v2/organizations')).status).toBe(200);
  });

  it('can throttle with a 200 text/html page instead', async () => {
    s.sim.setRateLimit({ mode: 'html', capacity: 1, refillPerSecond: 1 });
    await s.api(user, 'GET', '/v2/organizations');
    const r = await s.api(user, 'GET', '/v2/organizations');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    expect(r.text).toContain('Too many requests');
  });

  it('can omit Retry-After, and is set over HTTP too', async () => {
    expect(
      (
        await control('POST', '/rate-limit', {
          mode: '429',
          capacity: 1,
          refillPerSecond: 1,
          sendRetryAfter: false,
        })
      ).status,
    ).toBe(200);
    await s.api(user, 'GET', '/v2/organizations');
    const r = await s.api(user, 'GET', '/v2/organizations');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBeNull();
  });
});

describe('scripted faults', () => {
  it('fails the next call with a 500, then the retry creates exactly one ticket', async () => {
    s.sim.injectFault({
      route: 'POST /v2/ticketing/ticket',
      status: 500,
      body: { resultCode: 'FAILURE', errorMessage: 'NullPointerException', incidentId: 'SIM-1' },
    });
    const first = await s.api(user, 'POST', '/api/v2/ticketing/ticket', ticket());
    expect(first).toMatchObject({
      status: 500,
      body: { resultCode: 'FAILURE', errorMessage: 'NullPointerException' },
    });
    expect(first.headers.get('x-nj-request-id')).toBeTruthy();
    expect(s.sim.tickets()).toHaveLength(0);
    expect((await s.api(user, 'POST', '/v2/ticketing/ticket', ticket())).status).toBe(200);
    expect(s.sim.tickets()).toHaveLength(1);
    const creates = s.sim.requests({ method: 'POST', path: '/v2/ticketing/ticket' });
    expect(creates.map((e) => [e.status, e.faultId !== null])).toEqual([
      [500, true],
      [200, false],
    ]);
  });

  it('counts N failures and matches :param routes', async () => {
    await s.api(user, 'POST', '/v2/ticketing/ticket', ticket());
    s.sim.injectFault({
      route: 'GET /v2/ticketing/ticket/:id',
      count: 2,
      status: 503,
      body: 'Service Unavailable',
    });
    expect((await s.api(user, 'GET', '/v2/ticketing/ticket/1001')).status).toBe(503);
    const second = await s.api(user, 'GET', '/api/v2/ticketing/ticket/1001');
    expect([second.status, second.text]).toEqual([503, 'Service Unavailable']);
    expect((await s.api(user, 'GET', '/v2/ticketing/ticket/1001')).status).toBe(200);
  });

  it('"after" faults let the write happen and lose the reply (the duplicate-ticket trap)', async () => {
    s.sim.injectFault({
      route: 'POST /v2/ticketing/ticket',
      status: 502,
      body: 'Bad Gateway',
      phase: 'after',
    });
    expect((await s.api(user, 'POST', '/v2/ticketing/ticket', ticket())).status).toBe(502);
    expect(s.sim.tickets()).toHaveLength(1);
    // Or the create happens and the answer never comes (a client-side timeout).
    s.sim.injectFault({ route: 'POST /v2/ticketing/ticket', hang: true, phase: 'after' });
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 200);
    await expect(
      fetch(`${s.url}/v2/ticketing/ticket`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' },
        body: JSON.stringify(ticket()),
        signal: ctl.signal,
      }),
    ).rejects.toThrow();
    clearTimeout(timer);
    expect(s.sim.tickets()).toHaveLength(2);
  });

  it('can delay a call, or hang it until the client gives up', async () => {
    s.sim.injectFault({ route: 'GET /v2/organizations', delayMs: 150 });
    const t0 = Date.now();
    expect((await s.api(user, 'GET', '/v2/organizations')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    s.sim.injectFault({ route: '/v2/ticketing/*', hang: true });
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 200);
    await expect(
      fetch(`${s.url}/v2/ticketing/statuses`, {
        headers: { authorization: `Bearer ${user}` },
        signal: ctl.signal,
      }),
    ).rejects.toThrow();
    clearTimeout(timer);
    expect((await s.api(user, 'GET', '/v2/ticketing/statuses')).status).toBe(200);
  });

  it('can fail the token endpoint, and be armed and cleared over HTTP', async () => {
    const armed = await control('POST', '/faults', {
      route: 'POST /ws/oauth/token',
      status: 503,
      count: 5,
    });
    expect(armed.status).toBe(201);
    expect((await control('GET', '/faults')).body).toEqual([
      expect.objectContaining({ route: 'POST /ws/oauth/token', remaining: 5 }),
    ]);
    await expect(s.clientCredentials()).rejects.toThrow(/503/);
    expect((await control('DELETE', '/faults')).status).toBe(204);
    await expect(s.clientCredentials()).resolves.toMatchObject({ token_type: 'Bearer' });
  });
});

describe('request journal', () => {
  it('records method, path, headers minus secrets, and parsed bodies', async () => {
    s.sim.clearRequests();
    await s.api(user, 'POST', '/v2/ticketing/ticket', ticket());
    const [entry] = s.sim.requests({ path: '/v2/ticketing/ticket' });
    expect(entry).toMatchObject({
      method: 'POST',
      path: '/v2/ticketing/ticket',
      status: 200,
      contentType: 'application/json',
      body: ticket(),
      auth: { kind: 'user', clientId: 'sim-demo-client', technicianId: 1 },
    });
    expect(typeof (entry!.body as { status: unknown }).status).toBe('string');
    expect(entry!.headers.authorization).toBeUndefined();
    expect(entry!.headers['x-nj-request-id']).toBeUndefined();
  });

  it('records multipart parts and redacts the client secret of token requests', async () => {
    await s.api(user, 'POST', '/v2/ticketing/ticket', ticket());
    const fd = new FormData();
    fd.append(
      'comment',
      new Blob([JSON.stringify({ public: false, body: 'see file' })], { type: 'application/json' }),
    );
    fd.append('files', new Blob(['RIFF....WAVE'], { type: 'audio/wav' }), 'call.wav');
    await fetch(`${s.url}/v2/ticketing/ticket/1001/comment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user}` },
      body: fd,
    });
    const [c] = s.sim.requests({ method: 'POST', path: '/v2/ticketing/ticket/:id/comment' });
    expect(c!.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(c!.parts).toEqual([
      {
        name: 'comment',
        kind: 'file',
        contentType: 'application/json',
        filename: 'blob',
        size: Buffer.byteLength(JSON.stringify({ public: false, body: 'see file' })),
        sha256: expect.any(String),
        value: { public: false, body: 'see file' },
      },
      {
        name: 'files',
        kind: 'file',
        contentType: 'audio/wav',
        filename: 'call.wav',
        size: 12,
        sha256: expect.any(String),
      },
    ]);
    const [tok] = s.sim.requests({ path: '/ws/oauth/token' });
    expect(tok!.body).toMatchObject({
      grant_type: 'authorization_code',
      client_secret: '[redacted]',
    });
  });

  it('is readable and clearable over HTTP, and leaves /__sim calls out', async () => {
    await s.api(user, 'GET', '/v2/organizations');
    const listed = (await control('GET', '/requests?method=GET&path=/v2/organizations'))
      .body as Array<{ path: string }>;
    expect(listed).toHaveLength(1);
    expect((await control('DELETE', '/requests')).status).toBe(204);
    expect((await control('GET', '/requests')).body).toEqual([]);
  });
});

describe('clock, tokens, reset and switches over HTTP', () => {
  it('advances the clock to expire tokens, revokes, resets and toggles', async () => {
    expect((await control('POST', '/clock/advance', { seconds: 3601 })).status).toBe(200);
    expect((await s.api(user, 'GET', '/v2/organizations')).status).toBe(401);
    user = (await s.authorizationCode()).access_token;
    expect((await control('POST', '/tokens/revoke', {})).status).toBe(204);
    expect((await s.api(user, 'GET', '/v2/organizations')).status).toBe(401);

    const minted = (await control('POST', '/tokens', { kind: 'client_credentials' })).body as {
      access_token: string;
    };
    expect(
      (await control('POST', '/config', { clientCredentialsCannotWrite: true })).body,
    ).toMatchObject({ clientCredentialsCannotWrite: true });
    expect(
      (await s.api(minted.access_token, 'POST', '/v2/ticketing/ticket', ticket())).status,
    ).toBe(403);

    expect((await control('POST', '/reset', { seed: 'empty' })).body).toMatchObject({
      counts: { organizations: 0 },
    });
    const t = (await s.clientCredentials()).access_token;
    expect((await s.api(t, 'GET', '/v2/organizations')).body).toEqual([]);
    expect(
      (
        await control('POST', '/clients/sim-demo-client', {
          redirectUris: ['http://localhost:9999/cb'],
        })
      ).body,
    ).toMatchObject({ redirectUris: ['http://localhost:9999/cb'] });
    await expect(
      s.authorizationCode({ redirectUri: 'http://localhost:9999/cb' }),
    ).resolves.toMatchObject({ token_type: 'Bearer' });
  });
});

describe('instance variants', () => {
  it('fed-like: /v2/contacts and /v2/user/* are 404, the rest answers', async () => {
    s.sim.configure({ fedLike: true });
    for (const p of [
      '/v2/contacts',
      '/v2/contact/101',
      '/v2/user/end-users',
      '/api/v2/user/technicians',
    ]) {
      expect([p, (await s.api(user, 'GET', p)).status]).toEqual([p, 404]);
    }
    expect((await s.api(user, 'GET', '/v2/organizations')).status).toBe(200);
    expect((await s.api(user, 'GET', '/v2/ticketing/contact/contacts')).status).toBe(200);
  });

  it('/v2 only, or /api/v2 only', async () => {
    s.sim.configure({ prefixes: 'v2' });
    expect((await s.api(user, 'GET', '/v2/organizations')).status).toBe(200);
    expect((await s.api(user, 'GET', '/api/v2/organizations')).status).toBe(404);
    s.sim.configure({ prefixes: 'api/v2' });
    expect((await s.api(user, 'GET', '/v2/organizations')).status).toBe(404);
    expect((await s.api(user, 'GET', '/api/v2/organizations')).status).toBe(200);
  });
});

describe('seeds', () => {
  it('accepts a custom fixture', async () => {
    const custom = await startNinjaOneSim({ seed: 'empty' });
    try {
      custom.sim.reset({
        ...custom.sim.state.data,
        organizations: [
          {
            id: 7,
            name: 'Custom',
            description: '',
            nodeApprovalMode: 'AUTOMATIC',
            userData: {},
            tags: [],
            fields: {},
          },
        ],
      });
      const t = (await custom.clientCredentials()).access_token;
      expect(
        ((await custom.api(t, 'GET', '/v2/organizations')).body as Array<{ id: number }>).map(
          (o) => o.id,
        ),
      ).toEqual([7]);
    } finally {
      await custom.close();
    }
  });
});
