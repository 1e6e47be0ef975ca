/**
 * The worker's audio download against a real local HTTP server standing in for the server's
 * internal endpoint: unreachable, 408, 429 and 5xx are retried (BullMQ backoff) and the job
 * completes once the server answers; 4xx fail at once with their reason; a cut download and a
 * server that never answers are retried too.
 */
import { QUEUES, TranscriptionResult } from '@cwn/protocol';
import { Queue, QueueEvents } from 'bullmq';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { encodeWav } from '../src/audio/wav';
import { loadConfig } from '../src/config';
import { WhisperCppTranscriber } from '../src/engine/whisper-cpp';
import { PermanentError } from '../src/errors';
import { fetchAudio, RetryableError } from '../src/job/fetch-audio';
import { TEST_MODEL_PATH } from '../src/models/paths';
import { ensureTestModel } from '../src/models/test-model';
import { startWorker, type RunningWorker } from '../src/worker';
import { connectRedis, deleteKeys, REDIS_URL } from './helpers/redis';
import { msOf, place, speak } from '@cwn/test-support/worker-speech';

jest.setTimeout(90000);

const TOKEN = 'test-worker-token-fetch-audio';
const PREFIX = `cwntestfetch${process.pid}${Date.now().toString(36)}`;
const HEALTH_FILE = `/tmp/${PREFIX}-alive`;
const RECORDING = '55555555-5555-4555-8555-555555555555';
const CALL = '99999999-9999-4999-8999-999999999999';

let server: Server;
let serverUrl: string;
let wav: Buffer;
/** What the server does with the next requests (one entry each), then 200 with the WAV. */
let script: ((res: ServerResponse) => void)[] = [];
const requests: { url: string; authorization: string | undefined }[] = [];

const status = (code: number) => (res: ServerResponse) => res.writeHead(code).end(`answer ${code}`);

beforeAll(async () => {
  const agent = speak('Hello, help desk.');
  wav = encodeWav([
    place(msOf(agent) + 600, [{ atMs: 300, pcm: agent }]),
    place(msOf(agent) + 600, []),
  ]);
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const next = script.shift();
    if (next) next(res);
    else res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

beforeEach(() => {
  script = [];
  requests.length = 0;
});

describe('fetchAudio', () => {
  const get = (timeoutMs = 5_000, url = serverUrl) =>
    fetchAudio(url, TOKEN, RECORDING, { timeoutMs });

  it('downloads the recording with the worker token', async () => {
    expect(Buffer.compare(await get(), wav)).toBe(0);
    expect(requests).toEqual([
      { url: `/internal/recordings/${RECORDING}/audio`, authorization: `Bearer ${TOKEN}` },
    ]);
  });

  it.each([408, 429, 500, 502, 503, 504])('retries on HTTP %i', async (code) => {
    script = [status(code)];
    const err = await get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toContain(`HTTP ${code}`);
  });

  it.each([
    [400, 'audio_request_refused'],
    [401, 'audio_request_refused'],
    [403, 'audio_request_refused'],
    [404, 'recording_not_found'],
    [410, 'audio_request_refused'],
  ])('does not retry HTTP %i (%s), and keeps what the server said', async (code, reason) => {
    script = [status(code)];
    const err = await get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe(reason);
    expect((err as Error).message).toContain(`HTTP ${code} answer ${code}`);
  });

  it('retries when the server is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const err = await get(5_000, url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/audio fetch failed: fetch failed/);
  });

  it('retries when the server does not answer in time', async () => {
    let release = () => undefined as void;
    script = [(res) => (release = () => res.writeHead(200).end())];
    const err = await get(300).catch((e: unknown) => e);
    release();
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/audio fetch failed/);
  });

  it('retries when the download is cut half-way', async () => {
    script = [
      (res) => {
        res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(wav.length) });
        res.write(wav.subarray(0, 1000), () => res.destroy());
      },
    ];
    const err = await get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/audio download interrupted/);
  });
});

describe('a transcription job while the server is unreachable or overloaded', () => {
  let redis: Redis;
  let queue: Queue;
  let events: QueueEvents;
  let engine: WhisperCppTranscriber;
  const running: RunningWorker[] = [];

  beforeAll(async () => {
    redis = await connectRedis();
    ensureTestModel(TEST_MODEL_PATH);
    engine = await WhisperCppTranscriber.create({
      modelPath: TEST_MODEL_PATH,
      gpu: false,
      contexts: 1,
    });
    queue = new Queue(QUEUES.transcription, { connection: { url: REDIS_URL }, prefix: PREFIX });
    events = new QueueEvents(QUEUES.transcription, {
      connection: { url: REDIS_URL },
      prefix: PREFIX,
    });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await Promise.all(running.map((w) => w.stop(0)));
    await engine?.close();
    await events?.close();
    await queue?.close();
    if (redis) {
      await deleteKeys(redis, PREFIX);
      redis.disconnect();
    }
    rmSync(HEALTH_FILE, { force: true });
  });

  async function worker(url: string): Promise<void> {
    const config = loadConfig({
      PATH: process.env.PATH,
      REDIS_URL,
      QUEUE_PREFIX: PREFIX,
      SERVER_INTERNAL_URL: url,
      WORKER_TOKEN: TOKEN,
      WHISPER_MODEL: 'test',
      WHISPER_LANGUAGE: 'en',
      WHISPER_THREADS: '1',
      WHISPER_TEMPERATURE_INC: '0',
      WORKER_ID: `w-fetch-${running.length}`,
      HEARTBEAT_TTL_S: '10',
      HEALTH_FILE,
    });
    running.push(await startWorker(config, engine, () => undefined));
  }

  it('retries 503, 429, 408 and 502 with the backoff, then completes when the server answers', async () => {
    await worker(serverUrl);
    script = [status(503), status(429), status(408), status(502)];
    const j = await queue.add(
      'transcribe',
      { recordingId: RECORDING, callId: CALL, channels: 2, durationMs: 2000, languageHint: null },
      { attempts: 6, backoff: { type: 'fixed', delay: 100 } },
    );
    const result = TranscriptionResult.parse(await j.waitUntilFinished(events, 60_000));
    expect(result.engine).toBe('whisper.cpp');
    const done = await queue.getJob(j.id!);
    expect(done!.attemptsMade).toBe(5);
    expect(requests).toHaveLength(5);
  });

  it('fails with the last reason once the attempts are used up on an unreachable server', async () => {
    await Promise.all(running.splice(0).map((w) => w.stop(0)));
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    await worker(url);
    const j = await queue.add(
      'transcribe',
      { recordingId: RECORDING, callId: CALL, channels: 2, durationMs: 2000, languageHint: null },
      { jobId: 'unreachable', attempts: 3, backoff: { type: 'fixed', delay: 100 } },
    );
    await expect(j.waitUntilFinished(events, 30_000)).rejects.toThrow(
      /audio fetch failed: fetch failed/,
    );
    const failed = await queue.getJob(j.id!);
    expect(failed!.attemptsMade).toBe(3);
  });
});
