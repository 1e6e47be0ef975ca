import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Transcript, type TokenPair } from '@cwn/protocol';
import {
  createWhisperApiSim,
  type RunningWhisperApiSim,
  type WhisperApiSim,
} from '@cwn/whisper-api-sim';
import type { TestApp } from '@cwn/test-support/app';
import { startDashboardHarness, type DashboardHarness } from '@cwn/test-support/dashboard-harness';
import { eventually } from '@cwn/test-support/eventually';
import { callMeta, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import { encodeWav, msOf, place, speak } from '@cwn/test-support/worker-speech';

/**
 * /admin/whisper in Chromium against the real server and a REAL worker (the OpenAI-compatible
 * engine against the fake Whisper server, which records what each request carried): French and a
 * prompt saved in the page reach the next call's job, the worker applies them (the Whisper server
 * receives them, the transcript records them) and the page shows what each worker applied. A
 * model only another worker announces, once chosen, is reported on the page for the worker that
 * lacks it. Settings are global: a database and a Redis prefix of this file's own.
 */
jest.setTimeout(180_000);

const SCREENSHOTS = join(__dirname, '..', '..', 'test-output', 'screenshots');
const API_MODEL = 'whisper-1';
let h: DashboardHarness;
let PREFIX: string;
let t: TestApp;
let base: string;
let admin: TokenPair;
let supervisor: TokenPair;
let agent: TokenPair;
let sim: WhisperApiSim;
let running: RunningWhisperApiSim;
let worker: InProcessWorker | undefined;
let workerId = '';

beforeAll(async () => {
  h = await startDashboardHarness({ ownDatabase: 'dash_whisper_settings', redisTag: 'whisper' });
  ({ t, base } = h);
  PREFIX = h.redisPrefix;
  await t.transcriptionEvents.start();
  admin = await t.userWithRole('admin');
  supervisor = await t.userWithRole('supervisor');
  agent = await t.userWithRole('agent');
  sim = createWhisperApiSim({ models: [API_MODEL], detectedLanguage: 'en' });
  running = await sim.listen();
  worker = await startInProcessWorker(t, 'dash-whisper', {
    WHISPER_ENGINE: 'openai',
    WHISPER_API_URL: running.url,
    WHISPER_API_MODEL: API_MODEL,
    WHISPER_LANGUAGE: 'auto',
    WHISPER_API_TIMEOUT_MS: '20000',
  });
  workerId = worker.worker.heartbeat.snapshot().id;
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 90_000);

afterAll(async () => {
  await worker?.stop();
  await running?.close();
  await h?.close();
});

const signedIn = (pair: TokenPair, lang: 'en' | 'fr' = 'en'): Promise<Page> =>
  h.signedIn(pair, {
    viewport: { width: 1280, height: 1000 },
    locale: lang === 'fr' ? 'fr-FR' : 'en-US',
    timeoutMs: 15_000,
  });

/** Another worker's heartbeat, as a GPU worker with two models would announce it. */
async function announceGpuWorker(): Promise<void> {
  const iso = new Date().toISOString();
  await t.redis.set(
    `${PREFIX}:workers:gpu-b`,
    JSON.stringify({
      id: 'gpu-b',
      host: 'gpu-box',
      pid: 9,
      engine: 'whisper.cpp',
      model: 'large-v3-turbo',
      models: ['large-v3-turbo', 'base'],
      missingModels: [],
      gpu: true,
      concurrency: 2,
      active: 0,
      applied: null,
      defaults: {
        language: 'auto',
        prompt: '',
        vad: true,
        vadSensitivity: 50,
        temperatureInc: 0.2,
      },
      startedAt: iso,
      lastSeenAt: iso,
    }),
    'EX',
    120,
  );
}

async function uploadCall(): Promise<string> {
  const speech = speak('Hello, my printer is jammed again.', 'en');
  const totalMs = 500 + msOf(speech) + 500;
  const wav = encodeWav([place(totalMs, [{ atMs: 500, pcm: speech }])]);
  const res = await upload(t, agent.accessToken, wav, { ...callMeta(), sha256: sha256(wav) });
  expect(res.status).toBe(201);
  return res.body.callId as string;
}

async function transcriptOf(callId: string): Promise<Transcript> {
  const row = await eventually(
    'transcript stored',
    async () => {
      const call = await t.models.Call.findByPk(callId);
      if (call?.status === 'failed') throw new Error('transcription failed');
      return t.models.Transcript.findOne({ where: { callId } });
    },
    90_000,
  );
  const res = await t.http
    .get(`/api/transcripts/${row.id}`)
    .set('Authorization', `Bearer ${admin.accessToken}`);
  expect(res.status).toBe(200);
  return Transcript.parse(res.body);
}

describe('/admin/whisper', () => {
  it('French and a prompt set in the page: the next call’s job carries them, the worker applies them, the page shows it', async () => {
    await announceGpuWorker();
    const page = await signedIn(admin);
    await page.goto(`${base}/admin/whisper`);
    await page.waitForSelector('[data-test=whisper-settings]');
    expect(await page.innerText('[data-test=source]')).toContain('From the server’s environment');
    // before any job, the worker says what its own environment applies
    const own = page.locator(`tr[data-worker="${workerId}"]`);
    expect(await own.locator('[data-test=applies]').innerText()).toContain(
      'No job yet; its own: language Detect (auto)',
    );
    // the models offered are those the online workers announce
    const options = await page.locator('select[name=model] option').allInnerTexts();
    expect(options.map((o) => o.trim())).toEqual([
      'Each worker’s own',
      'base',
      'large-v3-turbo',
      API_MODEL,
    ]);

    await page.selectOption('select[name=language]', 'fr');
    await page.fill('textarea[name=prompt]', 'Fortinet, Kerberos, imprimante Ricoh');
    await page.fill('input[name=temperatureInc]', '0');
    await page.click('[data-test=save]');
    await page.waitForSelector('[data-test=notice]');
    expect(await page.innerText('[data-test=source]')).toContain('Changed here on');

    sim.clearRequests();
    const callId = await uploadCall();
    const transcript = await transcriptOf(callId);
    expect(transcript.settings).toMatchObject({
      engine: 'openai-compatible',
      model: API_MODEL,
      missingModel: null,
      language: 'fr',
      prompt: 'Fortinet, Kerberos, imprimante Ricoh',
      temperatureInc: 0,
    });
    for (const r of sim.requests()) {
      expect(r.fields.language).toEqual(['fr']);
      expect(r.fields.prompt).toEqual(['Fortinet, Kerberos, imprimante Ricoh']);
    }

    await page.click('text=Refresh');
    await eventually('applied shown', async () =>
      (await own.locator('[data-test=applies]').innerText()).includes('language French'),
    );
    expect(await own.locator('[data-test=applies]').innerText()).toContain(
      `Latest job: ${API_MODEL}, language French`,
    );
    await page.screenshot({
      path: join(SCREENSHOTS, 'admin-whisper-settings.png'),
      fullPage: true,
    });
    await page.close();
  });

  it('a model the worker lacks is reported on the page, before and after a job asks for it', async () => {
    await announceGpuWorker();
    const page = await signedIn(admin);
    await page.goto(`${base}/admin/whisper`);
    await page.waitForSelector('[data-test=whisper-settings]');
    await page.selectOption('select[name=model]', 'large-v3-turbo');
    await page.click('[data-test=save]');
    await page.waitForSelector('[data-test=notice]');
    const own = page.locator(`tr[data-worker="${workerId}"]`);
    expect(await own.locator('[data-test=lacks-model]').innerText()).toBe(
      `Lacks the chosen model large-v3-turbo: its jobs use ${API_MODEL}.`,
    );
    // the worker that has it is not flagged
    expect(await page.locator('tr[data-worker=gpu-b] [data-test=lacks-model]').count()).toBe(0);

    const transcript = await transcriptOf(await uploadCall());
    expect(transcript.settings).toMatchObject({
      model: API_MODEL,
      missingModel: 'large-v3-turbo',
      language: 'fr',
    });
    await page.click('text=Refresh');
    await own.locator('[data-test=missing-models]').waitFor();
    expect(await own.locator('[data-test=missing-models]').innerText()).toContain('large-v3-turbo');
    await page.close();
  });

  it('in French for a supervisor, who reads the settings without changing them', async () => {
    await announceGpuWorker();
    const page = await signedIn(supervisor, 'fr');
    await page.goto(`${base}/admin/whisper`);
    await page.waitForSelector('[data-test=whisper-settings]');
    await page.waitForSelector('[data-test=read-only]');
    expect(await page.locator('[data-test=save]').count()).toBe(0);
    expect(await page.inputValue('select[name=language]')).toBe('fr');
    const own = page.locator(`tr[data-worker="${workerId}"]`);
    expect(await own.locator('[data-test=lacks-model]').innerText()).toContain(
      'N’a pas le modèle choisi large-v3-turbo',
    );
    expect(await page.innerText('h1')).toBe('Transcription Whisper');
    await page.close();
  });
  it('the admin chooses an OpenAI-compatible server with its key: the page says "key set", never shows it, and the next call is transcribed there', async () => {
    const KEY = 'sk-dashboard-engine-0123456789';
    const MODEL = 'Systran/faster-whisper-small';
    const chosen = createWhisperApiSim({ models: [MODEL], detectedLanguage: 'fr', apiKey: KEY });
    const at = await chosen.listen();
    try {
      const page = await signedIn(admin);
      await page.goto(`${base}/admin/whisper`);
      await page.waitForSelector('[data-test=whisper-settings]');
      expect(await page.innerText('[data-test=key-state]')).toContain('No key set.');
      // the model the API worker lacks would otherwise be reported: back to each worker's own
      await page.selectOption('select[name=model]', '');
      await page.selectOption('select[name=engine]', 'openai-compatible');
      await page.fill('input[name=engineUrl]', 'ftp://whisper:21');
      await page.fill('input[name=engineModel]', MODEL);
      await page.click('[data-test=save]');
      await page.waitForSelector('[data-test=error]');
      expect(await page.innerText('[data-test=error]')).toContain('http:// or https://');
      await page.fill('input[name=engineUrl]', at.url);
      // the connection test, before saving: the typed key goes with it
      await page.fill('input[name=apiKey]', 'sk-not-the-key-000000');
      await page.click('[data-test=test-engine]');
      await page.waitForSelector('[data-test=test-result]');
      expect(await page.innerText('[data-test=test-result]')).toContain(
        'It does not work: ' + `${at.url}/v1/audio/transcriptions`,
      );
      expect(await page.innerText('[data-test=test-result]')).toContain('refused the API key');
      await page.fill('input[name=apiKey]', KEY);
      await page.click('[data-test=test-engine]');
      await eventually('probe ok', async () =>
        (await page.innerText('[data-test=test-result]')).startsWith('It works'),
      );
      await page.click('[data-test=save]');
      await page.waitForSelector('[data-test=notice]');
      expect(await page.innerText('[data-test=key-state]')).toContain('A key is set.');
      expect(await page.inputValue('input[name=apiKey]')).toBe('');
      // a reload shows the choice, not the key
      await page.reload();
      await page.waitForSelector('[data-test=whisper-settings]');
      expect(await page.inputValue('input[name=engineUrl]')).toBe(at.url);
      expect(await page.inputValue('input[name=engineModel]')).toBe(MODEL);
      expect(await page.innerText('[data-test=key-state]')).toContain('A key is set.');
      expect(await page.content()).not.toContain(KEY);

      chosen.clearRequests(); // the connection tests' requests
      const transcript = await transcriptOf(await uploadCall());
      expect(transcript.settings).toMatchObject({ engine: 'openai-compatible', model: MODEL });
      expect(chosen.requests().length).toBeGreaterThan(0);
      for (const r of chosen.requests()) expect(r.authorization).toBe(`Bearer ${KEY}`);
      await page.click('text=Refresh');
      const own = page.locator(`tr[data-worker="${workerId}"]`);
      await eventually('applied shown', async () =>
        (await own.locator('[data-test=applies]').innerText()).includes(MODEL),
      );
      expect(await own.locator('[data-test=applied-engine]').innerText()).toContain(
        'openai-compatible',
      );
      await page.screenshot({
        path: join(SCREENSHOTS, 'admin-whisper-engine.png'),
        fullPage: true,
      });

      await page.click('[data-test=remove-key]');
      await eventually('key removed', async () =>
        (await page.innerText('[data-test=key-state]')).includes('No key set.'),
      );
      await page.close();
    } finally {
      await at.close();
    }
  });
});
