import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, TokenPair } from '@cwn/protocol';
import { startTestApp, TEST_PASSWORD, uniqueEmail, type TestApp } from '@cwn/test-support/app';
import { launchChromium } from '@cwn/test-support/dashboard-browser';
import { FrontServer } from '@cwn/test-support/dashboard-front';

type AgentSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
const SCREENSHOTS = join(__dirname, '..', '..', 'test-output', 'screenshots');
// This project's own database and Redis prefix (see test/support/global-setup.ts).
const ENV = {
  DATABASE_URL: process.env.CWN_DASHBOARD_TEST_DATABASE_URL ?? '',
  REDIS_PREFIX: process.env.CWN_DASHBOARD_TEST_REDIS_PREFIX ?? '',
};

let t: TestApp;
let front: FrontServer;
let base: string;
let browser: Browser;
let admin: TokenPair;
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  if (!ENV.DATABASE_URL) throw new Error('the nuxt-dashboard test global setup did not run');
  t = await startTestApp(ENV);
  front = new FrontServer();
  front.setBackend(t.server);
  base = await front.listen();
  browser = await launchChromium();
  admin = await t.userWithRole('admin');
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await browser?.close();
  await front?.close();
  await t?.close();
});

const text = (page: Page, selector: string) => page.locator(selector).first().innerText();

async function agentOnline(pair: TokenPair): Promise<AgentSocket> {
  const s: AgentSocket = connect(t.url(), {
    auth: { token: pair.accessToken },
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}

describe('TV wallboard (/tv with a kiosk token)', () => {
  it('shows agents, counters and alerts, follows presence, ticks, and heals after a server restart', async () => {
    const alice = await t.userWithRole('agent', { extension: '201' });
    const bob = await t.userWithRole('agent', { extension: '202' });
    await t.userWithRole('agent', { extension: '203' });
    // A realistic floor for the screenshots: nine more agents, some busy.
    const names = [
      'Camille Lefèvre',
      'David Nguyen',
      'Emma Rossi',
      'Farid Haddad',
      'Gaëlle Moreau',
      'Hugo Bernard',
      'Inès Caron',
      'Julien Petit',
      'Karima Benali',
    ];
    const floor = await Promise.all(
      names.map((displayName, i) =>
        t.services.users.create({
          email: uniqueEmail('floor'),
          password: TEST_PASSWORD,
          role: 'agent',
          displayName,
          extension: String(210 + i),
        }),
      ),
    );
    const states = [
      'on_call',
      'idle',
      'on_hold',
      'idle',
      'on_call',
      'offline',
      'idle',
      'ringing',
      'offline',
    ] as const;
    const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    await Promise.all(
      floor.map((u, i) =>
        t.services.presence.set({
          agentId: u.id,
          state: states[i]!,
          callId: null,
          since: ago(37 + i * 95),
        }),
      ),
    );
    await t.models.User.update({ displayName: 'Alice Martin' }, { where: { id: alice.user.id } });
    await t.models.User.update({ displayName: 'Bob Durand' }, { where: { id: bob.user.id } });

    // Today's calls: 2 in (1 answered in 120 s, 1 missed), 1 out answered in 240 s.
    const now = new Date();
    const startOfDay = new Date(now.getFullYear(), now.getMonth(), now.getDate());
    const t0 = new Date(Math.max(now.getTime() - 600_000, startOfDay.getTime() + 1_000));
    const plus = (s: number) => new Date(t0.getTime() + s * 1000);
    const call = (o: { direction: 'inbound' | 'outbound'; answered: boolean; handle: number }) =>
      t.models.Call.create({
        id: crypto.randomUUID(),
        agentId: alice.user.id,
        direction: o.direction,
        remoteNumber: '+33 1 23 45 67 89',
        remoteName: null,
        pbxCallId: null,
        startedAt: t0,
        answeredAt: o.answered ? plus(5) : null,
        endedAt: plus(5 + o.handle),
        status: o.answered ? 'ended' : 'missed',
      });
    await call({ direction: 'inbound', answered: true, handle: 120 });
    await call({ direction: 'inbound', answered: false, handle: 0 });
    await call({ direction: 'outbound', answered: true, handle: 240 });

    const kiosk = await t.http
      .post('/api/kiosk-tokens')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ name: 'Floor' });
    expect(kiosk.status).toBe(201);

    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${base}/tv?token=${kiosk.body.token}`);
    await page.waitForSelector('[data-test=tv][data-connection=live]');
    await page.waitForSelector('[data-test=agent] >> nth=11');
    // The secret leaves the address bar once remembered.
    await page.waitForFunction(() => !location.search.includes('token='));

    expect(await page.locator('[data-test=agent]').count()).toBe(12);
    expect(await text(page, '[data-counter=callsIn] .tv-value')).toBe('2');
    expect(await text(page, '[data-counter=callsOut] .tv-value')).toBe('1');
    expect(await text(page, '[data-counter=answered] .tv-value')).toBe('2');
    expect(await text(page, '[data-counter=missed] .tv-value')).toBe('1');
    expect(await text(page, '[data-counter=aht] .tv-value')).toBe('3 min 00');
    expect(await text(page, '[data-counter=tickets] .tv-value')).toBe('0');
    expect(await text(page, '[data-counter=waiting] .tv-value')).toBe('0');
    expect(await page.locator('[data-alert=no_worker_online]').count()).toBe(1);

    // Alice takes a call: her tile turns on the event (how fast: bench/socket-to-dom-bench.ts).
    const aliceSocket = await agentOnline(alice);
    const tile = `[data-agent-id="${alice.user.id}"]`;
    await aliceSocket.emitWithAck('agent.presence', {
      state: 'on_call',
      callId: crypto.randomUUID(),
    });
    await page.waitForSelector(`${tile}[data-state=on_call]`);
    // Her call streams live: the tile says so (the fact only: a kiosk never gets the text).
    const liveCall = await t.http
      .post('/api/calls')
      .set('Authorization', `Bearer ${alice.accessToken}`)
      .send({
        direction: 'inbound',
        pbxCallId: `tv-live-${Date.now()}`,
        startedAt: new Date().toISOString(),
      });
    expect(liveCall.status).toBe(201);
    await t.http
      .patch(`/api/calls/${liveCall.body.id}`)
      .set('Authorization', `Bearer ${alice.accessToken}`)
      .send({ event: 'answered' });
    const live = await t.http
      .post(`/api/calls/${liveCall.body.id}/live`)
      .set('Authorization', `Bearer ${alice.accessToken}`)
      .send({ format: { sampleRate: 16000, channels: 2, encoding: 's16le' } });
    expect(live.status).toBe(201);
    await page.waitForSelector(`${tile}[data-live=true] [data-test=live]`);
    expect(await page.locator('[data-test=live]').count()).toBe(1);
    await (
      await agentOnline(bob)
    ).emitWithAck('agent.presence', { state: 'ringing', callId: null });
    await page.waitForSelector(`[data-agent-id="${bob.user.id}"][data-state=ringing]`);

    // The call timer ticks.
    const first = await text(page, `${tile} [data-test=timer]`);
    expect(first).toMatch(/^0:0\d$/);
    await page.waitForFunction(
      ([sel, before]) => document.querySelector(sel)?.textContent?.trim() !== before,
      [`${tile} [data-test=timer]`, first] as const,
      { timeout: 2_500 },
    );
    expect(await text(page, `${tile} [data-test=timer]`)).toMatch(/^0:0\d$/);

    // Nothing scrolls, at 1080p and at 4K; screenshots for a human eye.
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const [width, height] of [
      [1920, 1080],
      [3840, 2160],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => ({
        x: document.documentElement.scrollWidth - window.innerWidth,
        y: document.documentElement.scrollHeight - window.innerHeight,
      }));
      expect(overflow).toEqual({ x: 0, y: 0 });
      await page.screenshot({ path: join(SCREENSHOTS, `tv-${width}x${height}.png`) });
    }
    await page.setViewportSize({ width: 1920, height: 1080 });

    // The server restarts; meanwhile a worker comes online and Bob's state changes elsewhere
    // (another replica). The wallboard reconnects and resyncs by itself.
    front.setBackend(null);
    await t.close();
    await page.waitForSelector('[data-test=tv]:not([data-connection=live])', { timeout: 5_000 });
    t = await startTestApp(ENV);
    await t.services.presence.set({
      agentId: bob.user.id,
      state: 'on_hold',
      callId: null,
      since: new Date().toISOString(),
    });
    const beat = {
      id: 'gpu-1',
      host: 'gpu-box',
      pid: 7,
      engine: 'whisper.cpp',
      model: 'large-v3-turbo',
      gpu: true,
      concurrency: 1,
      active: 0,
    };
    const iso = new Date().toISOString();
    await t.redis.set(
      `${ENV.REDIS_PREFIX}:workers:gpu-1`,
      JSON.stringify({ ...beat, startedAt: iso, lastSeenAt: iso }),
      'EX',
      60,
    );
    front.setBackend(t.server);
    await page.waitForSelector('[data-test=tv][data-connection=live]', { timeout: 10_000 });
    await page.waitForSelector(`[data-agent-id="${bob.user.id}"][data-state=on_hold]`, {
      timeout: 2_000,
    });
    await page.waitForSelector('[data-test=worker]', { timeout: 2_000 });
    expect(await text(page, '[data-test=worker]')).toContain('large-v3-turbo');
    expect(await page.locator('[data-alert=no_worker_online]').count()).toBe(0);
    // Alice was on a call before the restart and still is.
    expect(await page.locator(`${tile}[data-state=on_call]`).count()).toBe(1);

    // A recording queued for transcription shows in the queue.
    await t.queues.transcription.add('transcribe', {
      recordingId: crypto.randomUUID(),
      callId: crypto.randomUUID(),
      channels: 2,
      durationMs: 60_000,
      languageHint: null,
    });
    await page.waitForFunction(
      () => document.querySelector('[data-counter=waiting] .tv-value')?.textContent?.trim() === '1',
    );

    // Revoking the token blanks the screen.
    await t.http
      .delete(`/api/kiosk-tokens/${kiosk.body.id}`)
      .set('Authorization', `Bearer ${admin.accessToken}`);
    await page.waitForSelector('[data-test=tv-unauthorized]', { timeout: 5_000 });
    await page.close();
  }, 90_000);
});

describe('sign-in, admin pages and roles', () => {
  async function login(page: Page, email: string, password: string) {
    await page.goto(`${base}/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
  }

  it('lets an admin create a user who can then sign in; other roles get the forbidden page', async () => {
    const leaver = await t.userWithRole('agent', { extension: '301' });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await login(page, admin.user.email, TEST_PASSWORD);
    await page.waitForURL('**/admin/users');
    await page.waitForSelector(`tr[data-email="${admin.user.email}"]`);

    const email = uniqueEmail('newsup');
    const form = page.locator('[data-test=create-user]');
    await form.locator('input[name=email]').fill(email);
    await form.locator('input[name=displayName]').fill('Nouvelle Superviseure');
    await form.locator('select[name=role]').selectOption('supervisor');
    await form.locator('input[name=password]').fill('a-new-long-password');
    await form.locator('button[type=submit]').click();
    await page.waitForSelector(`tr[data-email="${email}"]`);
    expect(await text(page, '[data-test=notice]')).toContain(email);
    // Change an agent's extension, then deactivate them: they can no longer sign in.
    const row = page.locator(`tr[data-email="${leaver.user.email}"]`);
    await row.locator('[data-test=edit]').click();
    await row.locator('input[name=editExtension]').fill('302');
    await row.locator('[data-test=save-edit]').click();
    await page.waitForSelector(`tr[data-email="${leaver.user.email}"] >> text=302`);
    await row.locator('text=Deactivate').click();
    await page.waitForSelector(`tr[data-email="${leaver.user.email}"].inactive`);
    expect((await t.models.User.findByPk(leaver.user.id))!.extension).toBe('302');
    const refused = await t.http
      .post('/api/auth/login')
      .send({ email: leaver.user.email, password: TEST_PASSWORD });
    expect(refused.status).toBe(403); // the server says the account is deactivated

    // The audit page shows the creation; the health page the queues.
    await page.click('nav >> text=Audit log');
    await page.waitForSelector('tr[data-action="user.create"]');
    await page.click('nav >> text=System health');
    await page.waitForSelector('tr[data-queue=transcription]');
    await page.waitForSelector('[data-test=readiness] >> text=Ready');

    // A kiosk token made on the kiosk page opens the wallboard without a password.
    await page.click('nav >> text=Kiosk screens');
    await page.fill('[data-test=create-kiosk] input[name=name]', 'Reception TV');
    await page.click('[data-test=create-kiosk] button[type=submit]');
    const tvUrl = (await text(page, '[data-test=kiosk-url] code')).trim();
    expect(tvUrl).toMatch(/\/tv\?token=cwnk_/);
    const screen = await browser.newContext();
    const tv = await screen.newPage();
    await tv.goto(tvUrl);
    await tv.waitForSelector('[data-test=tv][data-connection=live]');
    await screen.close();

    await page.click('[data-test=logout]');
    await page.waitForURL('**/login');

    // The new supervisor signs in, lands on the wallboard, and may not open admin-only pages.
    await login(page, email, 'a-new-long-password');
    await page.waitForURL('**/tv');
    await page.waitForSelector('[data-test=tv][data-connection=live]');
    await page.goto(`${base}/admin/kiosk`);
    await page.waitForSelector('[data-test=forbidden]');
    expect(page.url()).toContain('/forbidden');

    // Supervisors see users read-only.
    await page.goto(`${base}/admin/users`);
    await page.waitForSelector(`tr[data-email="${email}"]`);
    expect(await page.locator('[data-test=create-user]').count()).toBe(0);

    // An agent gets the forbidden page straight after signing in, in French too.
    await page.evaluate(() => localStorage.clear());
    const agent = await t.userWithRole('agent');
    await page.evaluate(() => localStorage.setItem('cwn.locale', 'fr'));
    await login(page, agent.user.email, TEST_PASSWORD);
    await page.waitForSelector('[data-test=forbidden]');
    expect(await text(page, '[data-test=forbidden] h1')).toBe('Accès refusé');
    await page.close();
  }, 60_000);
});
