import {
  CallerMatchResponse,
  NinjaOneConnectResponse,
  NinjaOneOrganizationList,
  NinjaOneSettings,
  NinjaOneTestResult,
  NinjaOneTicketOptions,
  REDACTION_MARKERS,
  TicketPreview,
} from '@cwn/protocol';
import {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_M2M_CLIENT_SECRET,
  configureNinjaOneDemo,
} from '@cwn/ninjaone-sim';
import { TEST_PASSWORD } from '@cwn/test-support/app';
import { SETTING_KEYS } from '../../src/ninjaone/settings.service';
import {
  configure,
  createRequests,
  runTicketJob,
  seg,
  startHarness,
  validatedCall,
  type Harness,
} from './harness';

/** NinjaOne settings, connection test, the authorization-code connect flow, lookups, secrets. */
let h: Harness;
let authorizationCode = '';
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('NinjaOne settings', () => {
  it('start unconfigured; endpoints that need NinjaOne say so with 409', async () => {
    const res = await h.api('get', '/api/settings/ninjaone');
    expect(res.status).toBe(200);
    expect(NinjaOneSettings.parse(res.body)).toMatchObject({
      configured: false,
      hasClientSecret: false,
      connected: false,
      phoneRegion: 'FR',
    });
    const test = await h.api('post', '/api/settings/ninjaone/test');
    expect(test.status).toBe(409);
    expect(test.body.error.message).toMatch(/NinjaOne is not configured/);
    expect(
      (await h.api('get', '/api/ninjaone/organizations', undefined, h.agent.accessToken)).status,
    ).toBe(409);
  });

  it('store the client secret encrypted and never return it', async () => {
    const view = NinjaOneSettings.parse(await configure(h));
    expect(view).toMatchObject({
      configured: true,
      hasClientSecret: true,
      authMode: 'client_credentials',
      baseUrl: h.sim.url,
    });
    expect(JSON.stringify(view)).not.toContain(DEMO_M2M_CLIENT_SECRET);
    const row = (await h.t.models.Setting.findByPk(SETTING_KEYS.clientSecret))!;
    expect(row.encrypted).toBe(true);
    expect(JSON.stringify(row.value)).not.toContain(DEMO_M2M_CLIENT_SECRET);
    expect(await h.t.ninjaone.settings.resolve()).toMatchObject({
      clientSecret: DEMO_M2M_CLIENT_SECRET,
    });

    // Omitting the secret keeps it; a supervisor reads but cannot write.
    const kept = await h.api('put', '/api/settings/ninjaone', {
      region: 'custom',
      baseUrl: h.sim.url,
      authMode: 'client_credentials',
      clientId: 'sim-m2m-client',
      priority: 'LOW',
    });
    expect(kept.body).toMatchObject({ hasClientSecret: true, priority: 'LOW' });
    const supervisor = await h.t.userWithRole('supervisor');
    expect(
      (await h.api('get', '/api/settings/ninjaone', undefined, supervisor.accessToken)).status,
    ).toBe(200);
    expect((await h.api('put', '/api/settings/ninjaone', {}, supervisor.accessToken)).status).toBe(
      403,
    );
  });

  it('refuse bad settings with 400 naming the field', async () => {
    const custom = await h.api('put', '/api/settings/ninjaone', {
      region: 'custom',
      authMode: 'client_credentials',
      clientId: 'x',
    });
    expect(custom.status).toBe(400);
    expect(custom.body.error.message).toMatch(/baseUrl is required when region is custom/);
    const status = await h.api('put', '/api/settings/ninjaone', {
      region: 'eu',
      authMode: 'client_credentials',
      clientId: 'x',
      statusId: 'NEW',
    });
    expect(status.status).toBe(400);
    expect(status.body.error.message).toMatch(/^body\.statusId/);
    const priority = await h.api('put', '/api/settings/ninjaone', {
      region: 'eu',
      authMode: 'client_credentials',
      clientId: 'x',
      priority: 'CRITICAL',
    });
    expect(priority.status).toBe(400);
  });
});

describe('POST /api/settings/ninjaone/test', () => {
  it('says the connection works and that this tenant lets machine tokens write, creating no ticket', async () => {
    await configure(h);
    h.sim.sim.configure({ clientCredentialsCannotWrite: false });
    const before = h.sim.sim.tickets().length;
    const res = await h.api('post', '/api/settings/ninjaone/test');
    expect(res.status).toBe(200);
    const result = NinjaOneTestResult.parse(res.body);
    expect(result).toMatchObject({
      connection: { ok: true },
      ticketWrite: { allowed: 'yes' },
      organizations: 5,
    });
    expect(h.sim.sim.tickets().length).toBe(before);
  });

  it('says when the tenant refuses ticket writes to client-credentials tokens', async () => {
    h.sim.sim.configure({ clientCredentialsCannotWrite: true });
    const result = NinjaOneTestResult.parse(
      (await h.api('post', '/api/settings/ninjaone/test')).body,
    );
    expect(result.connection.ok).toBe(true);
    expect(result.ticketWrite.allowed).toBe('no');
    expect(result.ticketWrite.message).toMatch(/authorization code.*Connect NinjaOne/);
    h.sim.sim.configure({ clientCredentialsCannotWrite: false });
  });

  it('reports refused credentials and a wrong host clearly', async () => {
    await configure(h, { clientSecret: 'wrong-secret' });
    const bad = NinjaOneTestResult.parse((await h.api('post', '/api/settings/ninjaone/test')).body);
    expect(bad.connection).toEqual({
      ok: false,
      message: expect.stringMatching(/refused the client id or client secret/),
    });
    await configure(h, { clientId: 'no-such-app' });
    const host = NinjaOneTestResult.parse(
      (await h.api('post', '/api/settings/ninjaone/test')).body,
    );
    expect(host.connection.message).toMatch(/check the region\/base URL and the client id/);
    await configure(h);
  });
});

describe('lookups', () => {
  it('lists organizations for the picker (any role)', async () => {
    const res = await h.api('get', '/api/ninjaone/organizations', undefined, h.agent.accessToken);
    const list = NinjaOneOrganizationList.parse(res.body);
    expect(list.items.map((o) => o.name)).toEqual([
      'Acme Logistics Ltd',
      'Boulangerie Dupont SARL',
      'Cabinet Martin Avocats',
      'Mairie de Saint-Égrève',
      'Northwind Dental LLC',
    ]);
  });

  it.each([
    ['06 12 34 56 78', 1, 'Sophie Dupont'],
    ['0033 6 12 34 56 78', 1, 'Sophie Dupont'],
    ['+33612345678', 1, 'Sophie Dupont'],
    ['06.11.22.33.44', 2, 'Julien Martin'],
    ['+33 6 98 76 54 32', 1, 'Marc Dupont'],
    ['0044 20 7946 0018', 3, 'Oliver Smith'],
  ])('matches %s to organization %d (%s)', async (number, organizationId, name) => {
    const res = await h.api(
      'get',
      `/api/ninjaone/caller-match?number=${encodeURIComponent(number)}`,
      undefined,
      h.agent.accessToken,
    );
    const body = CallerMatchResponse.parse(res.body);
    expect(body.match).toMatchObject({ kind: 'matched', organizationId, contact: { name } });
  });

  it('lists ticket forms and statuses for the settings page', async () => {
    const options = NinjaOneTicketOptions.parse(
      (await h.api('get', '/api/ninjaone/ticket-options')).body,
    );
    expect(options.forms).toEqual([
      { id: 1, name: 'Default', active: true, default: true },
      { id: 2, name: 'Legacy intake (inactive)', active: false, default: false },
      { id: 3, name: 'Phone call', active: true, default: false },
    ]);
    expect(options.statuses).toContainEqual(expect.objectContaining({ id: '1000', name: 'NEW' }));
    expect(options.statuses).toContainEqual(
      expect.objectContaining({ id: '7001', name: 'AWAITING_CALLBACK' }),
    );
  });

  it('answers ambiguous and none', async () => {
    const amb = CallerMatchResponse.parse(
      (await h.api('get', '/api/ninjaone/caller-match?number=0140000000')).body,
    );
    expect(amb).toMatchObject({ e164: '+33140000000', match: { kind: 'ambiguous' } });
    expect(
      amb.match.kind === 'ambiguous' && amb.match.candidates.map((c) => c.organizationId).sort(),
    ).toEqual([2, 5]);
    const none = CallerMatchResponse.parse(
      (await h.api('get', '/api/ninjaone/caller-match?number=0700000001')).body,
    );
    expect(none.match).toEqual({ kind: 'none' });
  });
});

describe('authorization-code connection, end to end', () => {
  it('connect → NinjaOne sign-in → callback → refresh token stored encrypted → tickets in the user’s name, rotation kept', async () => {
    await configure(h, {
      authMode: 'authorization_code',
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
    });
    // This tenant refuses machine tokens: only the user token can write.
    h.sim.sim.configure({ clientCredentialsCannotWrite: true });

    const start = await h.api('get', '/api/ninjaone/connect');
    expect(start.status).toBe(200);
    const authorizeUrl = new URL(NinjaOneConnectResponse.parse(start.body).authorizeUrl);
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${h.sim.url}/ws/oauth/authorize`);
    expect(Object.fromEntries(authorizeUrl.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: DEMO_CLIENT_ID,
      redirect_uri: 'http://127.0.0.1:3000/api/ninjaone/callback',
      scope: 'monitoring management offline_access',
      code_challenge_method: 'S256',
    });

    const signIn = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(signIn.status).toBe(302);
    const callback = new URL(signIn.headers.get('location')!);
    expect(callback.pathname).toBe('/api/ninjaone/callback');
    authorizationCode = callback.searchParams.get('code')!;
    const back = await h.t.http.get(`${callback.pathname}${callback.search}`);
    expect(back.status).toBe(302);
    expect(back.headers.location).toBe('http://127.0.0.1:3000/admin/ninjaone?connected=1');
    // The state is single use.
    expect((await h.t.http.get(`${callback.pathname}${callback.search}`)).status).toBe(400);

    const view = NinjaOneSettings.parse((await h.api('get', '/api/settings/ninjaone')).body);
    expect(view).toMatchObject({
      connected: true,
      connectedBy: h.admin.user.id,
      authMode: 'authorization_code',
    });
    const sealed = (await h.t.models.Setting.findByPk(SETTING_KEYS.refreshToken))!;
    expect(sealed.encrypted).toBe(true);
    const firstRefresh = (await h.t.ninjaone.settings.refreshToken())!;
    expect(JSON.stringify(sealed.value)).not.toContain(firstRefresh);
    const exchange = h.sim.sim.requests({ method: 'POST', path: '/ws/oauth/token' }).at(-1)!;
    expect(exchange.body).toMatchObject({ grant_type: 'authorization_code' });
    expect((exchange.body as Record<string, string>).code_verifier).toBeTruthy();

    h.sim.sim.clearRequests();
    const job = await validatedCall(h, { remoteNumber: '06 12 34 56 78' });
    expect((await runTicketJob(h, job)).state).toBe('completed');
    const created = h.sim.sim.tickets().find((t) => t.subject.includes('Sophie Dupont'))!;
    expect(created).toBeDefined();
    expect(createRequests(h).map((c) => [c.status, c.auth?.kind])).toEqual([[200, 'user']]);

    // An hour later the access token is dead: the refresh grant renews it and the rotated
    // refresh token replaces the stored one.
    h.sim.sim.advanceClock(3_700);
    const second = await validatedCall(h, { remoteNumber: '06 12 34 56 78' });
    expect((await runTicketJob(h, second)).state).toBe('completed');
    const refreshGrant = h.sim.sim
      .requests({ method: 'POST', path: '/ws/oauth/token' })
      .map((e) => (e.body as Record<string, string>).grant_type);
    expect(refreshGrant).toEqual(['refresh_token']);
    const rotated = (await h.t.ninjaone.settings.refreshToken())!;
    expect(rotated).not.toBe(firstRefresh);
    h.sim.sim.configure({ clientCredentialsCannotWrite: false });
  });

  it('connect is refused in client-credentials mode', async () => {
    await configure(h);
    const res = await h.api('get', '/api/ninjaone/connect');
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/switch it to "authorization code"/);
  });
});

describe('GET /api/transcripts/:id/redaction-preview', () => {
  it('shows the person validating what is redacted, exactly as the ticket will say it', async () => {
    await configure(h);
    const job = await validatedCall(h, {
      remoteNumber: '06 12 34 56 78',
      segments: [
        seg('agent', 0, 'Support, bonjour.'),
        seg('caller', 2_000, 'My card number is 4111 1111 1111 1111, the PIN is 1234.'),
      ],
    });
    const res = await h.api(
      'get',
      `/api/transcripts/${job.transcriptId}/redaction-preview`,
      undefined,
      h.agent.accessToken,
    );
    expect(res.status).toBe(200);
    const preview = TicketPreview.parse(res.body);
    expect(preview.redactions).toBe(2);
    const caller = preview.segments[1]!;
    expect(caller.redacted.spans.map((s) => [s.kind, caller.text.slice(s.start, s.end)])).toEqual([
      ['card', '4111 1111 1111 1111'],
      ['secret', '1234'],
    ]);
    expect(caller.redacted.text).toBe(
      `My card number is ${REDACTION_MARKERS.card}, the PIN is ${REDACTION_MARKERS.secret}.`,
    );

    h.sim.sim.clearRequests();
    expect((await runTicketJob(h, job)).state).toBe('completed');
    const sent = createRequests(h)[0]!.body as { description: { body: string } };
    expect(sent.description.body).toBe(preview.ticket.body);
  });

  it('is refused to another agent and 404 for an unknown transcript', async () => {
    const job = await validatedCall(h, { remoteNumber: null });
    const other = await h.t.userWithRole('agent');
    expect(
      (
        await h.api(
          'get',
          `/api/transcripts/${job.transcriptId}/redaction-preview`,
          undefined,
          other.accessToken,
        )
      ).status,
    ).toBe(404);
    const manager = await h.t.userWithRole('manager');
    expect(
      (
        await h.api(
          'get',
          `/api/transcripts/${job.transcriptId}/redaction-preview`,
          undefined,
          manager.accessToken,
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await h.api(
          'get',
          '/api/transcripts/00000000-0000-4000-8000-000000000000/redaction-preview',
        )
      ).status,
    ).toBe(404);
  });
});

describe('secrets', () => {
  it('never appear in logs, API responses or the audit log', async () => {
    const state = h.sim.sim.state;
    const secrets = [
      DEMO_CLIENT_SECRET,
      DEMO_M2M_CLIENT_SECRET,
      ...state.accessTokens.keys(),
      ...state.refreshTokens.keys(),
      authorizationCode,
    ].filter((s) => s.length >= 8);
    expect(secrets.length).toBeGreaterThan(4);
    expect(h.logs.join('\n')).toMatch(/ninjaone token obtained/); // the logs are really captured
    const audit = JSON.stringify(await h.t.models.AuditLog.findAll({ where: {} }));
    for (const secret of secrets) {
      expect(h.logs.join('\n')).not.toContain(secret);
      expect(h.responses.join('\n')).not.toContain(secret);
      expect(audit).not.toContain(secret);
    }
  });
});

describe('npm start demo settings', () => {
  it('point an unconfigured server at the simulator, and leave configured settings alone', async () => {
    const demo = await startHarness();
    try {
      const admin = demo.admin.user.email;
      const opts = {
        apiUrl: demo.t.url(),
        email: admin,
        password: TEST_PASSWORD,
        simUrl: demo.sim.url,
      };
      expect(await configureNinjaOneDemo(opts)).toBe('configured');
      const view = NinjaOneSettings.parse((await demo.api('get', '/api/settings/ninjaone')).body);
      expect(view).toMatchObject({
        configured: true,
        baseUrl: demo.sim.url,
        clientId: DEMO_CLIENT_ID,
      });
      expect(await configureNinjaOneDemo(opts)).toBe('kept');
      const test = NinjaOneTestResult.parse(
        (await demo.api('post', '/api/settings/ninjaone/test')).body,
      );
      expect(test).toMatchObject({ connection: { ok: true }, ticketWrite: { allowed: 'yes' } });
    } finally {
      await demo.close();
    }
  });
});
