/**
 * A model chosen in the Whisper settings that the worker has in its MODELS_DIR, though it started
 * with another: the REAL whisper.cpp worker loads it for the job (the transcript says which model
 * made it) and keeps its own for jobs that ask for nothing. Uses the generated test model under a
 * second name. Settings are global: a database of this file's own.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenPair, WhisperSettings } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { eventually } from '@cwn/test-support/eventually';
import { callMeta, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { migratedDatabase, testTmpRoot } from '@cwn/test-support/services';
import {
  startInProcessWorker,
  testModelFile,
  type InProcessWorker,
} from '@cwn/test-support/worker';
import { encodeWav, msOf, place, speak } from '@cwn/test-support/worker-speech';

jest.setTimeout(150_000);

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let t: TestApp;
let admin: TokenPair;
let agent: TokenPair;
let worker: InProcessWorker | undefined;

beforeAll(async () => {
  db = await migratedDatabase('whisper_model_switch');
  t = await startTestApp({
    DATABASE_URL: db.url,
    REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-model-switch`,
  });
  await t.transcriptionEvents.start();
  admin = await t.userWithRole('admin');
  agent = await t.userWithRole('agent');
  const dir = mkdtempSync(join(testTmpRoot(), 'models-'));
  copyFileSync(testModelFile(), join(dir, 'ggml-test-copy.bin'));
  worker = await startInProcessWorker(t, 'model-switch', { MODELS_DIR: dir });
});

afterAll(async () => {
  await worker?.stop();
  await t?.close();
  await db?.drop();
});

const put = (s: Partial<WhisperSettings>) =>
  t.http
    .put('/api/admin/whisper')
    .set('Authorization', `Bearer ${admin.accessToken}`)
    .send({
      language: null,
      prompt: null,
      vad: null,
      vadSensitivity: null,
      temperatureInc: null,
      model: null,
      ...s,
    });

async function transcribeOne() {
  const speech = speak('Hello, this is a short call.', 'en');
  const totalMs = 400 + msOf(speech) + 400;
  const wav = encodeWav([place(totalMs, [{ atMs: 400, pcm: speech }])]);
  const res = await upload(t, agent.accessToken, wav, { ...callMeta(), sha256: sha256(wav) });
  expect(res.status).toBe(201);
  const callId = res.body.callId as string;
  return eventually(
    'transcript stored',
    async () => {
      if ((await t.models.Call.findByPk(callId))?.status === 'failed')
        throw new Error('transcription failed');
      return t.models.Transcript.findOne({ where: { callId } });
    },
    120_000,
  );
}

describe('a model of the worker’s MODELS_DIR chosen in the settings', () => {
  it('is announced, loaded for the job that asks for it, and the worker’s own serves the rest', async () => {
    expect(worker!.worker.heartbeat.snapshot().models).toEqual(['test-random-v1', 'test-copy']);

    expect((await put({ model: 'test-copy', language: 'fr' })).status).toBe(200);
    const switched = await transcribeOne();
    expect(switched.model).toBe('test-copy');
    expect(switched.settings).toMatchObject({
      engine: 'whisper.cpp',
      model: 'test-copy',
      missingModel: null,
      language: 'fr',
    });

    expect((await put({})).status).toBe(200);
    const own = await transcribeOne();
    expect(own.model).toBe('test-random-v1');
    expect(own.settings).toMatchObject({ model: 'test-random-v1', language: 'en' });
    expect(worker!.worker.heartbeat.snapshot().missingModels).toEqual([]);
  });
});
