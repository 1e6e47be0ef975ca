/**
 * The worker against the real Redis and a local HTTP server standing in for the server's internal
 * audio endpoint: stereo call → agent/caller transcript with progress; corrupt WAV → one failed
 * attempt with its reason; worker SIGKILLed mid-job → another worker completes the job.
 */
import { QUEUES, TranscriptionResult, type TranscriptionProgress } from '@cwn/protocol';
import { Queue, QueueEvents } from 'bullmq';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { loadConfig, type WorkerConfig } from '../src/config';
import { encodeWav } from '../src/audio/wav';
import { WhisperCppTranscriber } from '../src/engine/whisper-cpp';
import { heartbeatKey } from '../src/heartbeat';
import { TEST_MODEL_PATH } from '../src/models/paths';
import { ensureTestModel } from '../src/models/test-model';
import { startWorker, type RunningWorker } from '../src/worker';
import { eventually } from '@cwn/test-support/eventually';
import { connectRedis, deleteKeys, REDIS_URL } from './helpers/redis';
import { msOf, place, speak } from '@cwn/test-support/worker-speech';

jest.setTimeout(90000);

const TOKEN = 'test-worker-token-123';
const PREFIX = `cwntest${process.pid}${Date.now().toString(36)}`;
/** The workers' health file, removed after the tests. */
const HEALTH_FILE = `/tmp/${PREFIX}-alive`;
const ids = {
  stereo: '11111111-1111-4111-8111-111111111111',
  corrupt: '22222222-2222-4222-8222-222222222222',
  missing: '33333333-3333-4333-8333-333333333333',
  slow: '44444444-4444-4444-8444-444444444444',
};
const CALL = '99999999-9999-4999-8999-999999999999';

let redis: Redis;
let server: Server;
let serverUrl: string;
let stereoWav: Buffer;
let callerAt = 0;
let agentEnd = 0;
let releaseSlow: () => void = () => undefined;
let slowRequested: () => void = () => undefined;
const slowRequestedP = new Promise<void>((r) => (slowRequested = r));
const slowGate = new Promise<void>((r) => (releaseSlow = r));
let engine: WhisperCppTranscriber;
const running: RunningWorker[] = [];
const children: ChildProcess[] = [];

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    REDIS_URL,
    QUEUE_PREFIX: PREFIX,
    SERVER_INTERNAL_URL: serverUrl,
    WORKER_TOKEN: TOKEN,
    WHISPER_MODEL: 'test',
    WHISPER_LANGUAGE: 'en',
    WHISPER_THREADS: '1',
    WHISPER_TEMPERATURE_INC: '0',
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '1000',
    HEARTBEAT_TTL_S: '10',
    HEALTH_FILE,
    ...extra,
  };
}

const quiet = () => undefined;

async function inProcessWorker(id: string): Promise<{ config: WorkerConfig; w: RunningWorker }> {
  const config = loadConfig(env({ WORKER_ID: id }));
  const w = await startWorker(config, engine, quiet);
  running.push(w);
  return { config, w };
}

beforeAll(async () => {
  redis = await connectRedis();
  ensureTestModel(TEST_MODEL_PATH);
  engine = await WhisperCppTranscriber.create({
    modelPath: TEST_MODEL_PATH,
    gpu: false,
    contexts: 1,
  });
  const agent = speak('Good morning, you are speaking with the help desk, how can I help?');
  const caller = speak('Hello, since this morning my printer shows a paper jam error.');
  agentEnd = 800 + msOf(agent);
  callerAt = agentEnd + 1200;
  const total = callerAt + msOf(caller) + 800;
  stereoWav = encodeWav([
    place(total, [{ atMs: 800, pcm: agent }]),
    place(total, [{ atMs: callerAt, pcm: caller }]),
  ]);
  server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end('bad token');
      return;
    }
    const m = /^\/internal\/recordings\/([0-9a-f-]+)\/audio$/.exec(req.url ?? '');
    const id = m?.[1];
    const wav = (body: Buffer) => res.writeHead(200, { 'content-type': 'audio/wav' }).end(body);
    if (id === ids.stereo) wav(stereoWav);
    else if (id === ids.corrupt)
      wav(Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt this is not a real wav file'));
    else if (id === ids.slow) {
      slowRequested();
      void slowGate.then(() => wav(stereoWav));
    } else res.writeHead(404).end('recording not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  releaseSlow();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(running.map((w) => w.stop(0)));
  await engine?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  if (redis) {
    await deleteKeys(redis, PREFIX);
    redis.disconnect();
  }
  rmSync(HEALTH_FILE, { force: true });
});

function job(recordingId: string) {
  return { recordingId, callId: CALL, channels: 2, durationMs: 10000, languageHint: null };
}

describe('transcription worker (Redis + HTTP)', () => {
  let queue: Queue;
  let events: QueueEvents;
  beforeAll(async () => {
    queue = new Queue(QUEUES.transcription, { connection: { url: REDIS_URL }, prefix: PREFIX });
    events = new QueueEvents(QUEUES.transcription, {
      connection: { url: REDIS_URL },
      prefix: PREFIX,
    });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events?.close();
    await queue?.close();
  });

  it('transcribes a stereo call into agent and caller segments, with progress', async () => {
    const { w } = await inProcessWorker('w-main');
    const hb = JSON.parse((await redis.get(heartbeatKey(PREFIX, 'w-main'))) ?? 'null');
    expect(hb).toMatchObject({
      id: 'w-main',
      engine: 'whisper.cpp',
      model: 'test-random-v1',
      gpu: false,
      concurrency: 1,
    });
    expect(await redis.ttl(heartbeatKey(PREFIX, 'w-main'))).toBeGreaterThan(0);

    const progress: TranscriptionProgress[] = [];
    const j = await queue.add('transcribe', job(ids.stereo), {
      attempts: 3,
      backoff: { type: 'exponential', delay: 500 },
    });
    events.on('progress', ({ jobId, data }) => {
      if (jobId === j.id) progress.push(data as TranscriptionProgress);
    });
    const result = TranscriptionResult.parse(await j.waitUntilFinished(events, 60000));
    expect(result.engine).toBe('whisper.cpp');
    expect(result.model).toBe('test-random-v1');
    expect(result.language).toBe('en');
    const agent = result.segments.filter((s) => s.speaker === 'agent');
    const caller = result.segments.filter((s) => s.speaker === 'caller');
    expect(agent.length).toBeGreaterThan(0);
    expect(caller.length).toBeGreaterThan(0);
    const durationMs = Math.round(((stereoWav.length - 44) / 4 / 16000) * 1000);
    for (let i = 0; i < result.segments.length; i++) {
      const s = result.segments[i]!;
      expect(s.endMs).toBeLessThanOrEqual(durationMs);
      if (i > 0) expect(s.startMs).toBeGreaterThanOrEqual(result.segments[i - 1]!.startMs);
    }
    expect(Math.min(...caller.map((s) => s.startMs))).toBeGreaterThanOrEqual(agentEnd);
    expect(result.timings.totalMs).toBeGreaterThan(0);
    // progress events went through Redis: stages in order, ending at 100
    // (they may reach this QueueEvents after the completion does)
    await eventually('the final progress event', () => progress.at(-1)?.stage === 'done');
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.map((p) => p.stage)).toContain('transcribing');
    expect(progress[progress.length - 1]).toEqual({ percent: 100, stage: 'done' });
    await w.stop();
    expect(await redis.exists(heartbeatKey(PREFIX, 'w-main'))).toBe(0);
  });

  it('fails a corrupt WAV once, with its reason (no retry storm)', async () => {
    await inProcessWorker('w-corrupt');
    const j = await queue.add('transcribe', job(ids.corrupt), {
      attempts: 5,
      backoff: { type: 'fixed', delay: 100 },
    });
    await expect(j.waitUntilFinished(events, 30000)).rejects.toThrow(/invalid_audio: invalid WAV/);
    await new Promise((r) => setTimeout(r, 500));
    const after = await queue.getJob(j.id!);
    expect(await after!.getState()).toBe('failed');
    expect(after!.attemptsMade).toBe(1);
    expect(after!.failedReason).toMatch(/invalid WAV/);
  });

  it('fails an unknown recording (404) once', async () => {
    const j = await queue.add('transcribe', job(ids.missing), {
      attempts: 5,
      backoff: { type: 'fixed', delay: 100 },
    });
    await expect(j.waitUntilFinished(events, 30000)).rejects.toThrow(/recording_not_found/);
    expect((await queue.getJob(j.id!))!.attemptsMade).toBe(1);
  });

  it('fails an invalid payload once', async () => {
    const j = await queue.add('transcribe', { recordingId: 'nope' }, { attempts: 5 });
    await expect(j.waitUntilFinished(events, 30000)).rejects.toThrow(/invalid job payload/);
  });

  it('lets a second worker finish the job of a worker killed with SIGKILL', async () => {
    // stop the in-process workers so the child takes the job
    await Promise.all(running.splice(0).map((w) => w.stop(0)));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '..', 'src', 'main.ts')],
      {
        cwd: join(__dirname, '..'),
        env: env({ WORKER_ID: 'w-doomed' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let childLog = '';
    child.stdout!.on('data', (d) => (childLog += d));
    child.stderr!.on('data', (d) => (childLog += d));
    const ready = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`child worker not ready:\n${childLog}`)), 30000);
      child.stdout!.on('data', () => {
        if (childLog.includes('worker ready')) {
          clearTimeout(t);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`child worker exited ${code}:\n${childLog}`)));
    });
    await ready;
    const j = await queue.add('transcribe', job(ids.slow), { attempts: 3 });
    await slowRequestedP; // the child holds the job (fetching audio)
    expect(await (await queue.getJob(j.id!))!.getState()).toBe('active');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    releaseSlow();
    await inProcessWorker('w-rescuer');
    const result = TranscriptionResult.parse(await j.waitUntilFinished(events, 30000));
    expect(result.segments.some((s) => s.speaker === 'agent')).toBe(true);
    const done = await queue.getJob(j.id!);
    expect(await done!.getState()).toBe('completed');
    expect(await queue.getCompletedCount()).toBe(2); // the stereo job and this one, once each
  });
});
