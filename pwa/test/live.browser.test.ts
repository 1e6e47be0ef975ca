import { randomBytes } from 'node:crypto';
import { UploadRecordingResponse, type TokenPair } from '@cwn/protocol';
import type { Page } from 'playwright-core';
import {
  DEMO_M2M_CLIENT_ID,
  DEMO_M2M_CLIENT_SECRET,
  startNinjaOneSim,
  type StartedSim,
} from '@cwn/ninjaone-sim';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { migratedDatabase } from '@cwn/test-support/services';
import { callMeta, makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { sampleResult } from '@cwn/test-support/transcript-fixtures';
import { launchPhone, type Phone } from '@cwn/test-support/pwa-browser';
import { DIST_DIR } from '@cwn/test-support/pwa-build';
import { serveDist, type StaticSite } from '@cwn/test-support/static-server';

jest.setTimeout(120_000);

/**
 * The live inbox, search, and the call view's waveform, redaction preview and organization picker,
 * against the real server and the NinjaOne simulator. NinjaOne settings are global and every app
 * consumes the tickets queue, so this file has its own database and Redis prefix (as the server's
 * NinjaOne harness does).
 */
let sim: StartedSim;
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let site: StaticSite;
let server: TestApp;
let phone: Phone;
let page: Page;
let manager: TokenPair;
let agent: TokenPair;

/** Sophie Dupont, a contact of organization 1 (Boulangerie Dupont SARL) in the simulator. */
const MATCHED_NUMBER = '06 12 34 56 78';
const CARD = '4111 1111 1111 1111';

beforeAll(async () => {
  sim = await startNinjaOneSim({});
  db = await migratedDatabase('pwa-live');
  site = await serveDist(DIST_DIR);
  server = await startTestApp({
    CORS_ORIGINS: site.url,
    DATABASE_URL: db.url,
    REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-pwa-live-${randomBytes(4).toString('hex')}`,
  });
  const admin = await server.userWithRole('admin');
  const configured = await server.http
    .put('/api/settings/ninjaone')
    .set('Authorization', `Bearer ${admin.accessToken}`)
    .send({
      region: 'custom',
      baseUrl: sim.url,
      authMode: 'client_credentials',
      clientId: DEMO_M2M_CLIENT_ID,
      clientSecret: DEMO_M2M_CLIENT_SECRET,
    });
  if (configured.status !== 200)
    throw new Error(`NinjaOne settings refused: ${configured.status} ${configured.text}`);
  manager = await server.userWithRole('manager');
  agent = await server.userWithRole('agent');
  phone = await launchPhone();
  page = phone.context.pages()[0] ?? (await phone.context.newPage());
});

afterAll(async () => {
  await phone?.close();
  await server?.close();
  await site?.close();
  await sim?.close();
  await db?.drop();
});

/** A call whose recording was really uploaded (encrypted, waveform drawable), not yet transcribed. */
async function uploadedCall(remoteNumber: string): Promise<string> {
  const wav = makeWav({ frames: 3 * 16_000 });
  const res = await upload(server, agent.accessToken, wav, {
    ...callMeta({ remoteNumber }),
    sha256: sha256(wav),
  });
  if (res.status !== 201) throw new Error(`upload refused: ${res.status} ${res.text}`);
  return UploadRecordingResponse.parse(res.body).callId;
}

/** What the transcription worker would deliver for the call (stored and announced by the server). */
async function transcriptArrives(callId: string): Promise<string> {
  const recording = await server.models.Recording.findOne({ where: { callId } });
  const state = (await server.services.transcripts.recordingStates([recording!.id])).get(
    recording!.id,
  )!;
  const result = sampleResult({
    segments: [
      { speaker: 'agent', startMs: 0, endMs: 1_000, text: 'Support informatique, bonjour.' },
      {
        speaker: 'caller',
        startMs: 1_000,
        endMs: 2_000,
        text: 'La photocopieuse du magasin refuse de démarrer.',
      },
      {
        speaker: 'caller',
        startMs: 2_000,
        endMs: 3_000,
        text: `Ma carte bancaire est la ${CARD}.`,
      },
    ],
  });
  expect(await server.services.transcripts.persistResult(state, result)).toBe('stored');
  const row = await server.models.Transcript.findOne({ where: { callId } });
  return row!.id;
}

describe('the live inbox and the call view (English, phone)', () => {
  let printerCall: string;
  let otherCall: string;
  let transcriptId: string;

  it('shows a transcript that becomes ready while the inbox is open, without a reload, and the badge moves', async () => {
    printerCall = await uploadedCall(MATCHED_NUMBER);
    otherCall = await uploadedCall('+41 22 555 01 02');
    await page.goto(site.url);
    await page.evaluate(
      ({ url, tokens }) => {
        localStorage.setItem('cwn.server', url);
        localStorage.setItem('cwn.session', JSON.stringify(tokens));
      },
      { url: server.url(), tokens: manager },
    );
    await page.goto(site.url);
    await page.getByTestId('call').nth(1).waitFor();
    expect(await page.locator('#h-awaiting').count()).toBe(0);
    expect(await page.getByTestId('awaiting-badge').count()).toBe(0);
    // Wait until the socket is connected (the server has seen it), then mark the page: a reload would lose the mark.
    await waitForSockets(1);
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    transcriptId = await transcriptArrives(printerCall);

    const awaiting = page.locator('section[aria-labelledby="h-awaiting"] [data-testid="call"]');
    await awaiting.first().waitFor();
    expect(await awaiting.count()).toBe(1);
    expect(await awaiting.first().getAttribute('data-call-id')).toBe(printerCall);
    await page.getByTestId('awaiting-badge').filter({ hasText: '1' }).waitFor();
    expect(await page.getByTestId('awaiting-badge').getAttribute('aria-label')).toBe(
      '1 call(s) awaiting validation',
    );
    expect(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
  });

  it('finds the call by a word of its transcript', async () => {
    await page.getByLabel('Search: number, name or words said').fill('photocopieuse');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="call"]').length === 1,
    );
    expect(await page.getByTestId('call').first().getAttribute('data-call-id')).toBe(printerCall);
    // The number as a French caller would type it finds the same call.
    await page.getByLabel('Search: number, name or words said').fill('06 12 34');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="call"]').length === 1,
    );
    expect(await page.getByTestId('call').first().getAttribute('data-call-id')).toBe(printerCall);
    await page.getByLabel('Search: number, name or words said').fill('+41 22 555');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(
      (id) => document.querySelector('[data-testid="call"]')?.getAttribute('data-call-id') === id,
      otherCall,
    );
    expect(await page.getByTestId('call').count()).toBe(1);
  });

  it('pull to refresh reloads the inbox (a change the server did not announce)', async () => {
    await page.getByLabel('Search: number, name or words said').fill('');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="call"]').length === 2,
    );
    // Written straight to the database: no Socket.IO event tells the page about it.
    const quiet = await server.models.Call.create({
      id: crypto.randomUUID(),
      agentId: agent.user.id,
      direction: 'inbound',
      remoteNumber: null,
      remoteName: 'Pharmacie du Rocher',
      pbxCallId: `pbx-quiet-${Date.now()}`,
      startedAt: new Date(),
      answeredAt: null,
      endedAt: null,
      status: 'missed',
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await page.locator(`[data-call-id="${quiet.id}"]`).count()).toBe(0);
    await page.evaluate(async () => {
      const target = document.querySelector('[data-testid="inbox-title"]')!;
      const touch = (y: number) => new Touch({ identifier: 1, target, clientX: 150, clientY: y });
      const fire = (type: string, y: number) =>
        target.dispatchEvent(
          new TouchEvent(type, {
            bubbles: true,
            cancelable: true,
            touches: type === 'touchend' ? [] : [touch(y)],
            changedTouches: [touch(y)],
          }),
        );
      fire('touchstart', 100);
      for (let y = 120; y <= 220; y += 20) {
        fire('touchmove', y);
        await new Promise((r) => requestAnimationFrame(r));
      }
      fire('touchend', 220);
    });
    await page.locator(`[data-call-id="${quiet.id}"]`).waitFor();
    expect(await page.locator(`[data-call-id="${quiet.id}"]`).textContent()).toContain(
      'Pharmacie du Rocher',
    );
  });

  it('the call view shows the waveform and highlights the card number in the redaction preview', async () => {
    await page.goto(`${site.url}/calls/${printerCall}`);
    const waveform = page.getByTestId('waveform');
    await waveform.waitFor();
    await page.waitForFunction(
      () =>
        (document.querySelector<HTMLImageElement>('[data-testid="waveform"]')?.naturalWidth ?? 0) >
        0,
    );
    expect(await waveform.getAttribute('alt')).toContain('Waveform');
    expect(await waveform.getAttribute('src')).toMatch(/^blob:/);

    const redacted = page.locator('[data-testid="redaction-preview"] mark[data-testid="redacted"]');
    await redacted.first().waitFor();
    expect(await redacted.count()).toBe(1);
    expect(await redacted.first().getAttribute('data-kind')).toBe('card');
    expect(await redacted.first().locator('s').textContent()).toBe(CARD);
    expect(await redacted.first().textContent()).toContain('[card number redacted]');
    expect(await page.getByTestId('redaction-preview').locator('summary').textContent()).toContain(
      '1 passage(s) hidden',
    );
  });

  it('validating with an organization chosen in the picker creates the ticket for that organization', async () => {
    const picker = page.getByLabel('NinjaOne organization');
    // Pre-selected from the caller's number (Sophie Dupont → Boulangerie Dupont SARL, id 1).
    await page.getByTestId('organization-matched').waitFor();
    expect(await picker.inputValue()).toBe(
      await picker.locator('option', { hasText: 'Boulangerie Dupont SARL' }).getAttribute('value'),
    );
    await picker.selectOption({ label: 'Acme Logistics Ltd' });
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByText('Validated', { exact: true }).waitFor();

    const deadline = Date.now() + 30_000;
    let ticket = await server.models.Ticket.findOne({ where: { transcriptId } });
    while ((!ticket || ticket.state !== 'created') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      ticket = await server.models.Ticket.findOne({ where: { transcriptId } });
    }
    expect(ticket?.state).toBe('created');
    expect(ticket!.organizationId).toBe(3);
    const inSim = sim.sim.tickets().find((t) => t.id === ticket!.ninjaoneTicketId);
    expect(inSim?.clientId).toBe(3);
  });
});

/** Resolves once the server holds `n` sockets (the page's live connection is up). */
async function waitForSockets(n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await server.io.fetchSockets()).length < n) {
    if (Date.now() > deadline) throw new Error('the page never opened its Socket.IO connection');
    await new Promise((r) => setTimeout(r, 50));
  }
}
