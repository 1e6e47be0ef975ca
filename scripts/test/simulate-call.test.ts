/**
 * simulate-call against the real server (createApp, fresh database) and the REAL worker
 * (whisper.cpp on the CPU with the generated test model), as `npm run simulate-call` uses them.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig as loadWorkerConfig } from '../../worker-gpu/src/config';
import { WhisperCppTranscriber } from '../../worker-gpu/src/engine/whisper-cpp';
import { TEST_MODEL_PATH } from '../../worker-gpu/src/models/paths';
import { ensureTestModel } from '../../worker-gpu/src/models/test-model';
import { startWorker, type RunningWorker } from '../../worker-gpu/src/worker';
import {
  startTestApp,
  TEST_PASSWORD,
  TEST_WORKER_TOKEN,
  uniqueEmail,
  type TestApp,
} from '../../server/test/support/app';
import { TEST_REDIS_URL } from '../../server/test/support/services';
import { simulateCall, wavDurationMs, type SimulateOptions } from '../src/simulate-call/simulate';
import { makeTwoVoiceWav } from '../src/simulate-call/two-voice-wav';

jest.setTimeout(60_000);

let t: TestApp;
let engine: WhisperCppTranscriber | undefined;
let worker: RunningWorker | undefined;
let options: Omit<SimulateOptions, 'wav'>;

beforeAll(async () => {
  // A queue prefix of its own: this worker must not take other test files' jobs.
  t = await startTestApp({ REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-simulate` });
  await t.transcriptionEvents.start();
  const email = uniqueEmail('sim-agent');
  await t.services.users.create({
    email,
    password: TEST_PASSWORD,
    role: 'agent',
    displayName: 'Sim Agent',
    extension: '101',
  });
  options = {
    server: t.url(),
    email,
    password: TEST_PASSWORD,
    number: '+33 6 12 34 56 78',
    timeoutMs: 45_000,
  };

  ensureTestModel(TEST_MODEL_PATH);
  engine = await WhisperCppTranscriber.create({
    modelPath: TEST_MODEL_PATH,
    gpu: false,
    contexts: 1,
  });
  const config = loadWorkerConfig({
    PATH: process.env.PATH,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: t.config.redisPrefix,
    SERVER_INTERNAL_URL: t.url(),
    WORKER_TOKEN: TEST_WORKER_TOKEN,
    WHISPER_MODEL: 'test',
    WHISPER_LANGUAGE: 'en',
    WHISPER_THREADS: '2',
    WHISPER_TEMPERATURE_INC: '0',
    WORKER_ID: `scripts-test-${process.pid}`,
    HEALTH_FILE: join(tmpdir(), `cwn-scripts-test-${process.pid}-alive`),
  });
  worker = await startWorker(config, engine, () => undefined);
});

afterAll(async () => {
  await worker?.stop(0);
  await engine?.close();
  await t?.close();
});

describe('simulate-call', () => {
  it('reports, uploads and follows a spoken two-voice call until its transcript arrives', async () => {
    const wav = makeTwoVoiceWav();
    expect(wav.readUInt16LE(22)).toBe(2); // stereo
    expect(wav.readUInt32LE(24)).toBe(16_000);
    const durationMs = wavDurationMs(wav)!;
    expect(durationMs).toBeGreaterThan(3_000);

    const lines: string[] = [];
    const result = await simulateCall({ ...options, wav }, (l) => lines.push(l));

    const speakers = new Set(result.transcript.segments.map((s) => s.speaker));
    expect([...speakers].sort()).toEqual(['agent', 'caller']);
    expect(result.transcript).toMatchObject({ callId: result.callId, model: 'test-random-v1' });

    const call = (await t.models.Call.findByPk(result.callId))!;
    expect(call.status).toBe('transcribed');
    expect(call.remoteNumber).toBe('+33 6 12 34 56 78');
    expect(call.answeredAt).not.toBeNull();
    expect(call.endedAt!.getTime() - call.answeredAt!.getTime()).toBeCloseTo(durationMs, -2);

    const out = lines.join('\n');
    expect(out).toContain(`call ${result.callId}`);
    expect(out).toMatch(/… transcribing \d+%/);
    expect(out).toContain('transcript ready (test-random-v1');
    expect(out).toMatch(/\[0:0\d\.\d\] (agent|caller)/);
  });

  it('stops with the server’s own message when the file is not a WAV', async () => {
    const notWav = Buffer.from('this is not audio at all, just some text pretending to be a call');
    await expect(simulateCall({ ...options, wav: notWav }, () => undefined)).rejects.toThrow(
      /^uploading the recording failed \(HTTP 415\): not a RIFF\/WAVE file/,
    );
  });

  it('says why when the login is refused or the server is not there', async () => {
    const wav = Buffer.alloc(0);
    await expect(
      simulateCall({ ...options, password: 'not-the-password', wav }, () => undefined),
    ).rejects.toThrow(/^login failed \(HTTP 401\)/);
    await expect(
      simulateCall({ ...options, server: 'http://127.0.0.1:9', wav }, () => undefined),
    ).rejects.toThrow(/^cannot reach the server at http:\/\/127\.0\.0\.1:9/);
  });
});
