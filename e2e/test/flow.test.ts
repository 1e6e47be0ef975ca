/**
 * The product's promise, end to end, everything real on this machine: PostgreSQL, Redis, the server
 * (createApp), the worker (whisper.cpp on the CPU with the generated test model), the NinjaOne
 * simulator, the fake 3CX web client, the built extension in Debian's Chromium, the Nuxt `/tv`
 * wallboard and the managers' PWA. Each piece is started with its own package's test helpers.
 *
 * With CWN_SCREENSHOTS=1 (`npm run screenshots`) it writes the main screens to docs/screenshots/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CallDetail, type TokenPair } from '@cwn/protocol';
import {
  configureThroughOptions,
  openWebClient,
  startHarness,
  waitFor,
  waitForUpload,
  type Harness,
} from '@cwn/test-support/extension-harness';
import { launchChromium } from '@cwn/test-support/dashboard-browser';
import { FrontServer } from '@cwn/test-support/dashboard-front';
import { launchPhone, type Phone } from '@cwn/test-support/pwa-browser';
import { DIST_DIR } from '@cwn/test-support/pwa-build';
import { speechWav } from '@cwn/test-support/speech';
import { serveDist, type StaticSite } from '@cwn/test-support/static-server';
import {
  DEMO_M2M_CLIENT_ID,
  DEMO_M2M_CLIENT_SECRET,
  startNinjaOneSim,
  type StartedSim,
} from '@cwn/ninjaone-sim';
import { TEST_PASSWORD } from '@cwn/test-support/app';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';

jest.setTimeout(180_000);

const SCREENSHOTS = process.env.CWN_SCREENSHOTS
  ? join(__dirname, '..', '..', 'docs', 'screenshots')
  : join(__dirname, '..', '..', 'test-output', 'screenshots', 'e2e');
/** Julien Martin, a contact of "Cabinet Martin Avocats" (organization 2) in the simulator's demo tenant. */
const CALLER_NUMBER = '+33 6 11 22 33 44';
const CALLER_ORGANIZATION_ID = 2;
/** A Luhn-valid test card number the manager types into the transcript: it must not reach NinjaOne. */
const CARD = '4111 1111 1111 1111';

const DB = {
  DATABASE_URL: process.env.CWN_E2E_TEST_DATABASE_URL ?? '',
  REDIS_PREFIX: process.env.CWN_E2E_TEST_REDIS_PREFIX ?? '',
};

let work: string;
let sim: StartedSim;
let pwa: StaticSite;
let h: Harness;
let front: FrontServer;
let dashboardUrl: string;
let dashboard: Browser;
let phone: Phone;
let worker: InProcessWorker | undefined;
let admin: TokenPair;

beforeAll(async () => {
  if (!DB.DATABASE_URL) throw new Error('the e2e global setup did not run');
  mkdirSync(SCREENSHOTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'cwn-e2e-flow-'));
  // Real speech on both sides, so the worker has something to transcribe on each channel.
  const agentMic = join(work, 'agent.wav');
  const callerVoice = join(work, 'caller.wav');
  writeFileSync(agentMic, speechWav('Help desk, good morning, how can I help you?', 'en'));
  writeFileSync(
    callerVoice,
    speechWav('Hello, my printer shows a paper jam since this morning.', 'en'),
  );

  sim = await startNinjaOneSim();
  pwa = await serveDist(DIST_DIR);
  h = await startHarness({
    serverEnv: { ...DB, CORS_ORIGINS: pwa.url },
    agentMicFile: agentMic,
    callerAudioFile: callerVoice,
  });
  await h.server.transcriptionEvents.start();
  admin = await h.server.userWithRole('admin');
  const settings = await h.server.http
    .put('/api/settings/ninjaone')
    .set('Authorization', `Bearer ${admin.accessToken}`)
    .send({
      region: 'custom',
      baseUrl: sim.url,
      authMode: 'client_credentials',
      clientId: DEMO_M2M_CLIENT_ID,
      clientSecret: DEMO_M2M_CLIENT_SECRET,
      phoneRegion: 'FR',
    });
  if (settings.status !== 200)
    throw new Error(`NinjaOne settings: ${settings.status} ${JSON.stringify(settings.body)}`);

  worker = await startInProcessWorker(h.server, 'e2e');

  front = new FrontServer();
  front.setBackend(h.server.server);
  dashboardUrl = await front.listen();
  dashboard = await launchChromium();
  phone = await launchPhone('en-US');
}, 120_000);

afterAll(async () => {
  await phone?.close();
  await dashboard?.close();
  await front?.close();
  await worker?.stop();
  await h?.close();
  await pwa?.close();
  await sim?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const counter = (page: Page, key: string) =>
  page.locator(`[data-counter=${key}] .tv-value`).first().innerText();

async function waitForCounter(
  page: Page,
  key: string,
  value: string,
  timeoutMs = 20_000,
): Promise<void> {
  await page.waitForFunction(
    ([k, v]) => document.querySelector(`[data-counter=${k}] .tv-value`)?.textContent?.trim() === v,
    [key, value] as const,
    { timeout: timeoutMs },
  );
}

it('a call in the 3CX web client becomes one redacted NinjaOne ticket, followed live on /tv, the popup and the PWA', async () => {
  const server = h.server;
  const agent = (await server.models.User.findOne({ where: { email: h.agentEmail } }))!;
  await agent.update({ displayName: 'Alice Martin', extension: '201' });

  // The wallboard, with a kiosk token as on the floor's TV.
  const kiosk = await server.http
    .post('/api/kiosk-tokens')
    .set('Authorization', `Bearer ${admin.accessToken}`)
    .send({ name: 'Floor' });
  expect(kiosk.status).toBe(201);
  const tv = await dashboard.newPage({ viewport: { width: 1920, height: 1080 } });
  await tv.goto(`${dashboardUrl}/tv?token=${kiosk.body.token}`);
  await tv.waitForSelector('[data-test=tv][data-connection=live]');
  const tile = `[data-agent-id="${agent.id}"]`;
  await tv.waitForSelector(tile);
  expect(await counter(tv, 'callsIn')).toBe('0');

  // The agent opens the 3CX web client and logs in from the extension's options page.
  const webClient = await openWebClient(h);
  const reloaded = webClient.waitForEvent('load', { timeout: 20_000 });
  await configureThroughOptions(h);
  await reloaded;
  await webClient.waitForSelector('#push-state[data-state=open]', { timeout: 15_000 });

  // A customer calls; the agent answers: /tv shows the agent on a call (the time it took is printed
  // at the end; the socket → wallboard figure is nuxt-dashboard/bench/socket-to-dom-bench.ts).
  const call = h.fake.placeInboundCall(CALLER_NUMBER, 'Julien Martin');
  await webClient.click(`#call-${call.connectionId} .btn-answer`);
  await webClient.waitForSelector(`#call-${call.connectionId}[data-state=connected]`);
  const answeredAt = Date.now();
  await tv.waitForSelector(`${tile}[data-state=on_call]`);
  const presenceMs = Date.now() - answeredAt;
  await tv.screenshot({ path: join(SCREENSHOTS, 'tv.png') });

  const popup = await h.ctx.newPage();
  await popup.setViewportSize({ width: 420, height: 600 });
  await popup.goto(`chrome-extension://${h.extensionId}/popup/popup.html`);
  await popup.waitForSelector(`#login-state:has-text("${h.agentEmail}")`);
  await popup.waitForSelector('#tab-state:has-text("3CX web client open")');

  await new Promise((r) => setTimeout(r, 6_000));
  await webClient.click(`#call-${call.connectionId} .btn-hang-up`);
  const hungUpAt = Date.now();
  await tv.waitForSelector(`${tile}[data-state=idle]`, { timeout: 5_000 });

  // Upload, queue, the real worker: the popup follows the call to "transcribed".
  const item = await waitForUpload(
    h,
    call.callId,
    (i) => i.status === 'done' || i.status === 'failed',
    'the upload',
    60_000,
  );
  if (item.status !== 'done') throw new Error(`upload not done: ${JSON.stringify(item)}`);
  const callId = item.serverCallId!;
  await popup.waitForSelector(`.call-status[data-call-id="${callId}"]:has-text("transcribed")`, {
    timeout: 90_000,
  });
  // The agent opens it: the speaker-labelled transcript in the popup's transcript panel.
  await popup.click(`.open-transcript[data-call-id="${callId}"]`);
  await popup.locator('#segments > li').first().waitFor();
  const popupMs = Date.now() - hungUpAt;
  expect(await popup.locator('#segments > li.speaker-agent').count()).toBeGreaterThan(0);
  expect(await popup.locator('#segments > li.speaker-caller').count()).toBeGreaterThan(0);
  await popup.screenshot({ path: join(SCREENSHOTS, 'popup.png') });

  // The same transcript as the agent's session reads it from the API.
  const agentLogin = await server.http
    .post('/api/auth/login')
    .send({ email: h.agentEmail, password: TEST_PASSWORD });
  const detail = CallDetail.parse(
    (
      await server.http
        .get(`/api/calls/${callId}`)
        .set('Authorization', `Bearer ${agentLogin.body.accessToken}`)
    ).body,
  );
  const transcript = detail.transcript!;
  expect(transcript).not.toBeNull();
  expect(detail.call).toMatchObject({
    status: 'transcribed',
    remoteNumber: CALLER_NUMBER,
    remoteName: 'Julien Martin',
  });
  expect(new Set(transcript.segments.map((s) => s.speaker))).toEqual(new Set(['agent', 'caller']));

  // A manager signs in on the PWA: the call waits for validation, with its speaker-labelled segments.
  const managerEmail = `manager-e2e-${process.pid}@test.local`;
  await server.services.users.create({
    email: managerEmail,
    password: TEST_PASSWORD,
    role: 'manager',
    displayName: 'Manon Manager',
  });
  const app = phone.context.pages()[0] ?? (await phone.context.newPage());
  await app.goto(pwa.url);
  await app.getByLabel('Server address').fill(server.url());
  await app.getByLabel('Email').fill(managerEmail);
  await app.getByLabel('Password').fill(TEST_PASSWORD);
  await app.getByRole('button', { name: 'Sign in' }).click();
  const inboxLink = app
    .getByRole('region', { name: 'Awaiting validation' })
    .locator(`a[href="/calls/${callId}"]`);
  await inboxLink.waitFor();
  const pwaMs = Date.now() - hungUpAt;
  await app.screenshot({ path: join(SCREENSHOTS, 'pwa-inbox.png') });
  await inboxLink.click();
  await app.getByTestId('segment').first().waitFor();
  expect(await app.getByTestId('segment').count()).toBe(transcript.segments.length);
  await app.screenshot({ path: join(SCREENSHOTS, 'pwa-call.png') });
  await waitForCounter(tv, 'awaiting', '1');

  // The manager corrects the caller's first segment (the test model's words are meaningless) with
  // what the caller said, card number included, and validates.
  const callerIndex = transcript.segments.findIndex((s) => s.speaker === 'caller');
  const corrected = `My printer shows a paper jam. My card is ${CARD}.`;
  await app.getByRole('button', { name: 'Edit' }).click();
  await app.locator('textarea').nth(callerIndex).fill(corrected);
  await app.getByRole('button', { name: 'Save' }).click();
  await app.getByText(corrected).waitFor();
  await app.getByRole('button', { name: 'Validate' }).click();
  await app.getByText('Validated', { exact: true }).waitFor();

  // Exactly one ticket, for the caller's organization, with the card number redacted.
  await waitFor(async () => sim.sim.tickets().length > 0, 'the NinjaOne ticket', 30_000);
  await waitFor(
    async () => (await server.models.Call.findByPk(callId))!.status === 'ticketed',
    'the call ticketed',
    10_000,
  );
  const tickets = sim.sim.tickets();
  expect(tickets).toHaveLength(1);
  expect(tickets[0]!.clientId).toBe(CALLER_ORGANIZATION_ID);
  const description = String(tickets[0]!.logEntries[0]!.body);
  expect(description).toContain('My printer shows a paper jam. My card is');
  expect(description).not.toContain(CARD);
  expect(description).not.toContain(CARD.replace(/ /g, ''));
  expect(
    JSON.stringify(sim.sim.requests({ method: 'POST', path: '/v2/ticketing/ticket' })),
  ).not.toContain(CARD);

  // The wallboard's counters moved with the call.
  await waitForCounter(tv, 'tickets', '1');
  await waitForCounter(tv, 'awaiting', '0');
  expect(await counter(tv, 'callsIn')).toBe('1');
  expect(await counter(tv, 'answered')).toBe('1');
  await tv.screenshot({ path: join(SCREENSHOTS, 'tv-after.png') });

  // The admin's main screen: the users page.
  const adminPage = await dashboard.newPage({ viewport: { width: 1280, height: 800 } });
  await adminPage.goto(`${dashboardUrl}/login`);
  await adminPage.fill('input[name=email]', admin.user.email);
  await adminPage.fill('input[name=password]', TEST_PASSWORD);
  await adminPage.click('button[type=submit]');
  await adminPage.waitForURL('**/admin/users');
  await adminPage.waitForSelector(`tr[data-email="${h.agentEmail}"]`);
  await adminPage.screenshot({ path: join(SCREENSHOTS, 'admin-users.png') });

  console.log(
    [
      'end-to-end timings:',
      `  answer → /tv on a call:            ${presenceMs} ms`,
      `  hang-up → transcript in the popup: ${popupMs} ms (opened in its transcript panel)`,
      `  hang-up → transcript in the PWA:   ${pwaMs} ms`,
    ].join('\n'),
  );
});
