/**
 * The worker's window path against the real Redis, the generated model and a local HTTP server
 * standing in for the server's internal window endpoints (`WindowAudioQuery`): a window of
 * espeak-ng speech at a known call offset comes back as segments inside the window, in call time,
 * with the channel as speaker; an invalid payload, an unknown name, a 404 and a 416 fail once; a
 * 503 is retried.
 */
import {
  QUEUES,
  TRANSCRIPTION_JOB_NAMES,
  TRANSCRIPTION_PRIORITY,
  TranscribeWindowResult,
  WindowAudioQuery,
  type TranscribeWindowJob,
} from '@cwn/protocol';
import { Queue, QueueEvents } from 'bullmq';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { encodeWav, SAMPLE_RATE } from '../src/audio/wav';
import { loadConfig } from '../src/config';
import { WhisperCppTranscriber } from '../src/engine/whisper-cpp';
import { TEST_MODEL_PATH } from '../src/models/paths';
import { ensureTestModel } from '../src/models/test-model';
import { startWorker, type RunningWorker } from '../src/worker';
import { connectRedis, deleteKeys, REDIS_URL } from './helpers/redis';
import { msOf, place, speak } from '@cwn/test-support/worker-speech';

jest.setTimeout(90000);

const TOKEN = 'test-worker-token-window';
const PREFIX = `cwntestwin${process.pid}${Date.now().toString(36)}`;
const HEALTH_FILE = `/tmp/${PREFIX}-alive`;
const LIVE = '66666666-6666-4666-8666-666666666666';
const RECORDING = '77777777-7777-4777-8777-777777777777';
const MISSING = '88888888-8888-4888-8888-888888888888';
const CALL = '99999999-9999-4999-8999-999999999999';

let redis: Redis;
let server: Server;
let serverUrl: string;
let engine: WhisperCppTranscriber;
let worker: RunningWorker;
let queue: Queue;
let events: QueueEvents;
/** The call: agent speech at AGENT_AT ms, caller speech at CALLER_AT ms, silence elsewhere. */
let channels: { agent: Float32Array; caller: Float32Array };
const AGENT_AT = 61_300;
const CALLER_AT = 66_700;
let agentMs = 0;
let callerMs = 0;
/** What the server does with the next requests (one entry each), then it serves the window. */
let script: ((res: ServerResponse) => void)[] = [];
const requests: { path: string; query: Record<string, string>; authorization?: string }[] = [];

const status = (code: number) => (res: ServerResponse) => res.writeHead(code).end(`answer ${code}`);
const sample = (ms: number) => Math.round((ms * SAMPLE_RATE) / 1000);

beforeAll(async () => {
  redis = await connectRedis();
  const agent = speak('Good morning, you are speaking with the help desk, how can I help?');
  const caller = speak('Hello, since this morning my printer shows a paper jam error.');
  agentMs = msOf(agent);
  callerMs = msOf(caller);
  const total = CALLER_AT + callerMs + 2000;
  channels = {
    agent: place(total, [{ atMs: AGENT_AT, pcm: agent }]),
    caller: place(total, [{ atMs: CALLER_AT, pcm: caller }]),
  };
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    requests.push({ path: url.pathname, query, authorization: req.headers.authorization });
    const next = script.shift();
    if (next) return next(res);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return res.writeHead(401).end('bad token');
    const m = /^\/internal\/(live-recordings|recordings)\/([0-9a-f-]+)\/window$/.exec(url.pathname);
    const known = m && ((m[1] === 'live-recordings' && m[2] === LIVE) || m[2] === RECORDING);
    if (!known) return res.writeHead(404).end('not found');
    const q = WindowAudioQuery.safeParse(query);
    if (!q.success) return res.writeHead(400).end(q.error.message);
    const pcm = channels[q.data.channel];
    if (q.data.end > pcm.length) return res.writeHead(416).end('past what is held');
    res
      .writeHead(200, { 'content-type': 'audio/wav' })
      .end(encodeWav([pcm.slice(q.data.start, q.data.end)]));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  ensureTestModel(TEST_MODEL_PATH);
  engine = await WhisperCppTranscriber.create({
    modelPath: TEST_MODEL_PATH,
    gpu: false,
    contexts: 1,
  });
  const config = loadConfig({
    PATH: process.env.PATH,
    REDIS_URL,
    QUEUE_PREFIX: PREFIX,
    SERVER_INTERNAL_URL: serverUrl,
    WORKER_TOKEN: TOKEN,
    WHISPER_MODEL: 'test',
    WHISPER_LANGUAGE: 'en',
    WHISPER_THREADS: '1',
    WHISPER_TEMPERATURE_INC: '0',
    WORKER_ID: 'w-window',
    HEALTH_FILE,
  });
  worker = await startWorker(config, engine, () => undefined);
  queue = new Queue(QUEUES.transcription, { connection: { url: REDIS_URL }, prefix: PREFIX });
  events = new QueueEvents(QUEUES.transcription, {
    connection: { url: REDIS_URL },
    prefix: PREFIX,
  });
  await events.waitUntilReady();
});

afterAll(async () => {
  await worker?.stop(0);
  await engine?.close();
  await events?.close();
  await queue?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  if (redis) {
    await deleteKeys(redis, PREFIX);
    redis.disconnect();
  }
  rmSync(HEALTH_FILE, { force: true });
});

beforeEach(() => {
  script = [];
  requests.length = 0;
});

/** A window around speech at atMs lasting ms, with the cutter's 200 ms of padding each side. */
function windowJob(
  channel: 'agent' | 'caller',
  atMs: number,
  ms: number,
  over: Partial<TranscribeWindowJob> = {},
): TranscribeWindowJob {
  return {
    callId: CALL,
    source: { kind: 'live', liveRecordingId: LIVE },
    channel,
    startSample: sample(atMs - 200),
    endSample: sample(atMs + ms + 200),
    context: '',
    ...over,
  };
}

async function run(data: unknown, attempts = 3, name: string = TRANSCRIPTION_JOB_NAMES.window) {
  const j = await queue.add(name, data, {
    attempts,
    backoff: { type: 'fixed', delay: 100 },
    priority: TRANSCRIPTION_PRIORITY.live,
  });
  return { job: j, done: j.waitUntilFinished(events, 60000) };
}

describe('window jobs', () => {
  it('transcribes a live window of the agent into agent segments in call time', async () => {
    const data = windowJob('agent', AGENT_AT, agentMs, { context: 'Help desk, printer.' });
    const { job, done } = await run(data);
    const result = TranscribeWindowResult.parse(await done);
    expect(requests).toEqual([
      {
        path: `/internal/live-recordings/${LIVE}/window`,
        query: { channel: 'agent', start: String(data.startSample), end: String(data.endSample) },
        authorization: `Bearer ${TOKEN}`,
      },
    ]);
    expect(result).toMatchObject({
      engine: 'whisper.cpp',
      model: 'test-random-v1',
      language: 'en',
    });
    expect(result.segments.length).toBeGreaterThan(0);
    const startMs = (data.startSample * 1000) / SAMPLE_RATE;
    const endMs = (data.endSample * 1000) / SAMPLE_RATE;
    for (const s of result.segments) {
      expect(s.speaker).toBe('agent');
      expect(s.startMs).toBeGreaterThanOrEqual(startMs);
      expect(s.endMs).toBeLessThanOrEqual(endMs);
      expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
    }
    // the speech itself, not only the window's bounds: some segment overlaps where it was spoken
    expect(result.segments.some((s) => s.endMs > AGENT_AT && s.startMs < AGENT_AT + agentMs)).toBe(
      true,
    );
    expect(result.timings!.totalMs).toBeGreaterThan(0);
    expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
  });

  it("transcribes an uploaded recording's caller window, speaker caller", async () => {
    const data = windowJob('caller', CALLER_AT, callerMs, {
      source: { kind: 'recording', recordingId: RECORDING },
    });
    const result = TranscribeWindowResult.parse(await (await run(data)).done);
    expect(requests.map((r) => r.path)).toEqual([`/internal/recordings/${RECORDING}/window`]);
    expect(requests[0]!.query.channel).toBe('caller');
    expect(result.segments.length).toBeGreaterThan(0);
    for (const s of result.segments) {
      expect(s.speaker).toBe('caller');
      expect(s.startMs).toBeGreaterThanOrEqual(CALLER_AT - 200);
      expect(s.endMs).toBeLessThanOrEqual(CALLER_AT + callerMs + 200);
    }
  });

  it('gives no segments for a window of silence (the guards run over the window alone)', async () => {
    // the agent listens while the caller talks: the model is not asked to invent words for it
    const data = windowJob('agent', CALLER_AT, callerMs);
    const result = TranscribeWindowResult.parse(await (await run(data)).done);
    expect(result.segments).toEqual([]);
  });

  it('fails an invalid payload once, naming what is wrong', async () => {
    const bad = { ...windowJob('agent', AGENT_AT, agentMs), endSample: 1, startSample: 5 };
    const { job, done } = await run(bad, 5);
    await expect(done).rejects.toThrow(/invalid job payload: .*endSample must be after/);
    expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    expect(requests).toEqual([]);
  });

  it('fails a job of an unknown name once', async () => {
    const { job, done } = await run(windowJob('agent', AGENT_AT, agentMs), 5, 'windows');
    await expect(done).rejects.toThrow(/unknown job name "windows"/);
    expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
  });

  it('fails a window of an unknown live recording (404) once', async () => {
    const data = windowJob('agent', AGENT_AT, agentMs, {
      source: { kind: 'live', liveRecordingId: MISSING },
    });
    const { job, done } = await run(data, 5);
    await expect(done).rejects.toThrow(/live_recording_not_found/);
    expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    expect(requests).toHaveLength(1);
  });

  it('fails a window past what is held (416) once', async () => {
    const data = windowJob('agent', CALLER_AT + callerMs + 1000, 5000);
    const { job, done } = await run(data, 5);
    await expect(done).rejects.toThrow(/window_out_of_range/);
    expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
  });

  it('retries a 503 and completes once the server answers', async () => {
    script = [status(503)];
    const { job, done } = await run(windowJob('agent', AGENT_AT, agentMs), 3);
    const result = TranscribeWindowResult.parse(await done);
    expect(result.segments.length).toBeGreaterThan(0);
    expect(requests).toHaveLength(2);
    expect((await queue.getJob(job.id!))!.attemptsMade).toBe(2);
  });
});
