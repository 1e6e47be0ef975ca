import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { TokenPair } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { eventually } from '@cwn/test-support/eventually';
import { launchPhone, type Phone } from '@cwn/test-support/pwa-browser';
import { DIST_DIR } from '@cwn/test-support/pwa-build';
import { serveDist, type StaticSite } from '@cwn/test-support/static-server';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import { encodeWav, msOf, place, speak } from '@cwn/test-support/worker-speech';

jest.setTimeout(180_000);

/**
 * A supervisor follows a live call in the PWA's call view: the agent streams the call through the
 * live recording protocol, the real worker transcribes each window, the segments appear while the
 * call lasts, and the final transcript takes over after the hang-up. (The energy detector cuts the
 * windows here: Silero needs the native-realm jest environment, and the server's own tests cover it.)
 */
let site: StaticSite;
let server: TestApp;
let worker: InProcessWorker;
let phone: Phone;
let page: Page;
let supervisor: TokenPair;
let agent: TokenPair;

const LINES: Array<['agent' | 'caller', string]> = [
  ['agent', 'Good morning, help desk, how can I help you?'],
  ['caller', 'Hello, my printer shows a paper jam error.'],
  ['agent', 'I will send a technician this afternoon.'],
];

beforeAll(async () => {
  site = await serveDist(DIST_DIR);
  server = await startTestApp({
    CORS_ORIGINS: site.url,
    LIVE_VAD: 'energy',
    REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-pwa-livecall-${randomBytes(4).toString('hex')}`,
  });
  await server.transcriptionEvents.start();
  worker = await startInProcessWorker(server, 'pwa-live-call');
  supervisor = await server.userWithRole('supervisor');
  agent = await server.userWithRole('agent');
  phone = await launchPhone();
  page = phone.context.pages()[0] ?? (await phone.context.newPage());
});

afterAll(async () => {
  await phone?.close();
  await worker?.stop();
  await server?.close();
  await site?.close();
});

const as = (p: TokenPair) => ({ Authorization: `Bearer ${p.accessToken}` });

/** The call's stereo PCM (left agent, right caller), each line followed by a pause. */
function callPcm(): Buffer {
  let at = 500;
  type Part = { atMs: number; pcm: Float32Array };
  const parts: Record<'agent' | 'caller', Part[]> = { agent: [], caller: [] };
  for (const [who, text] of LINES) {
    const pcm = speak(text, who === 'agent' ? 'en' : 'en+f3');
    parts[who].push({ atMs: at, pcm });
    at += msOf(pcm) + 1500;
  }
  const wav = encodeWav([place(at, parts.agent), place(at, parts.caller)]);
  return wav.subarray(44);
}

describe('following a live call in the PWA', () => {
  it('shows segments during the call, then the final transcript after the hang-up', async () => {
    const created = await server.http
      .post('/api/calls')
      .set(as(agent))
      .send({
        direction: 'inbound',
        pbxCallId: `pwa-live-${Date.now()}`,
        startedAt: new Date().toISOString(),
        remoteName: 'Pharmacie du Rocher',
      });
    expect(created.status).toBe(201);
    const callId = created.body.id as string;
    await server.http.patch(`/api/calls/${callId}`).set(as(agent)).send({ event: 'answered' });
    const opened = await server.http
      .post(`/api/calls/${callId}/live`)
      .set(as(agent))
      .send({ format: { sampleRate: 16000, channels: 2, encoding: 's16le' } });
    expect(opened.status).toBe(201);
    const liveId = opened.body.id as string;

    await page.goto(site.url);
    await page.evaluate(
      ({ url, tokens }) => {
        localStorage.setItem('cwn.server', url);
        localStorage.setItem('cwn.session', JSON.stringify(tokens));
      },
      { url: server.url(), tokens: supervisor },
    );
    await page.goto(`${site.url}/calls/${callId}`);
    await page.getByTestId('live-transcript').waitFor();
    expect(await page.getByTestId('live-segment').count()).toBe(0);

    // the agent's client streams at twice real time, 0.25 s per append
    const pcm = callPcm();
    const STEP = 16_000; // bytes: 0.25 s of stereo 16 kHz s16
    let sawDuringCall = false;
    for (let offset = 0; offset < pcm.length; offset += STEP) {
      const res = await server.http
        .put(`/api/live-recordings/${liveId}/audio`)
        .set(as(agent))
        .set('Upload-Offset', String(offset))
        .set('Content-Type', 'application/octet-stream')
        .send(pcm.subarray(offset, Math.min(pcm.length, offset + STEP)));
      expect(res.status).toBe(200);
      if (!sawDuringCall && (await page.getByTestId('live-segment').count()) > 0)
        sawDuringCall = true;
      await new Promise((r) => setTimeout(r, 125));
    }
    // the last line's window closes at the close; the first ones were transcribed while streaming
    if (!sawDuringCall) await page.getByTestId('live-segment').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid=live-segment].agent').count()).toBeGreaterThan(0);
    // no transcript controls while the call is live
    expect(await page.getByRole('button', { name: 'Validate' }).count()).toBe(0);

    const closed = await server.http
      .post(`/api/live-recordings/${liveId}/close`)
      .set(as(agent))
      .send({ totalBytes: pcm.length });
    expect(closed.status).toBe(200);

    // the final transcript replaces the live one, without a reload
    await page.getByTestId('segment').first().waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('live-transcript').count()).toBe(0);
    const transcript = await eventually(
      'the stored transcript',
      async () =>
        (await server.http.get(`/api/calls/${callId}/transcript`).set(as(supervisor))).body
          .transcript ?? null,
      30_000,
    );
    expect(await page.getByTestId('segment').count()).toBe(transcript.segments.length);
    const speakers = new Set(transcript.segments.map((s: { speaker: string }) => s.speaker));
    expect([...speakers].sort()).toEqual(['agent', 'caller']);
  });
});
