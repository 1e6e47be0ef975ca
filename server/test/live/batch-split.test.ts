import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import {
  TRANSCRIPTION_JOB_NAMES,
  TRANSCRIPTION_PRIORITY,
  TranscribeWindowJob,
  TranscriptProgressEvent,
  TranscriptReadyEvent,
  type ClientToServerEvents,
  type Segment,
  type ServerToClientEvents,
  type TokenPair,
  type Transcript,
} from '@cwn/protocol';
import { startTestApp, TEST_WORKER_TOKEN, type TestApp } from '@cwn/test-support/app';
import { eventually } from '@cwn/test-support/eventually';
import {
  deleteRedisPrefix,
  migratedDatabase,
  TEST_REDIS_URL,
  testTmpRoot,
} from '@cwn/test-support/services';
import {
  startInProcessWorker,
  testModelFile,
  type InProcessWorker,
} from '@cwn/test-support/worker';
import { encodeWav, msOf, place, speak } from '@cwn/test-support/worker-speech';
import { as, newCall } from './live-kit';

/**
 * Long uploads split into window jobs (decision 1401, issue 14 item 2), everything real: the
 * server on PostgreSQL and Redis, the REAL worker with the generated model (in this process, and
 * as a process of its own that is SIGKILLed mid-window), a watcher's Socket.IO client. A 40 s
 * two-sided espeak call is split (threshold 20 s) into windows that two workers share; one
 * `transcript.ready`; its segments cover what the whole-call job of the same audio covers (a
 * second server replica with splitting off, on the same database and queue). A short upload keeps
 * the whole-call job; a killed worker's window is retried, not doubled; the sweeper queues windows
 * stored but not queued.
 */
jest.setTimeout(240_000);

const PREFIX = `batch-split-${process.pid}-${Date.now().toString(36)}`;
const ROOT = join(__dirname, '..', '..', '..');

type Who = 'agent' | 'caller';
const LINES: Array<[Who, string]> = [
  ['agent', 'Good morning, help desk, this is Marc speaking. How can I help you today?'],
  ['caller', 'Hello, since this morning my printer shows a paper jam error.'],
  ['agent', 'Did you already open the front cover and check the paper tray?'],
  ['caller', 'Yes, I removed all the paper and restarted it twice.'],
  ['agent', 'Is the small green light on the left side blinking or steady?'],
  ['caller', 'It is blinking, and the screen says tray two is empty.'],
  ['agent', 'All right, I will send a technician this afternoon.'],
  ['caller', 'Thank you very much, goodbye.'],
];

/** Where each line was spoken, in call time. */
const utterances: Array<{ who: Who; startMs: number; endMs: number }> = [];
let longWav: Buffer;
let shortWav: Buffer;

let db: Awaited<ReturnType<typeof migratedDatabase>>;
/** Splitting on (20 s). */
let t: TestApp;
/** A second replica with splitting off (same database and queue): the whole-call reference. */
let whole: TestApp;
let agent: TokenPair;
let watcher: ClientSocket;
const readies: TranscriptReadyEvent[] = [];
const progress: TranscriptProgressEvent[] = [];
let doomed: ChildProcess | undefined;
const workers: InProcessWorker[] = [];
/** Window jobs each in-process worker finished, by worker. */
const doneBy: Record<string, string[]> = {};
let proxy: Server;
/** Window requests of the doomed worker: held open, never answered. */
const held: string[] = [];

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

beforeAll(async () => {
  let at = 800;
  const parts: Record<Who, Array<{ atMs: number; pcm: Float32Array }>> = { agent: [], caller: [] };
  for (const [who, text] of LINES) {
    const pcm = speak(text, who === 'agent' ? 'en' : 'en+f3');
    parts[who].push({ atMs: at, pcm });
    utterances.push({ who, startMs: at, endMs: at + msOf(pcm) });
    at += msOf(pcm) + 1500;
  }
  longWav = encodeWav([place(at, parts.agent), place(at, parts.caller)]);
  // 10 s: the first two lines
  shortWav = encodeWav([
    place(10_000, parts.agent.slice(0, 1)),
    place(10_000, parts.caller.slice(0, 1)),
  ]);

  db = await migratedDatabase('batch_split');
  const env = { REDIS_PREFIX: PREFIX, LIVE_VAD: 'energy' as const, DATABASE_URL: db.url };
  t = await startTestApp({ ...env, BATCH_SPLIT_MIN_SECONDS: '20' });
  whole = await startTestApp({ ...env, BATCH_SPLIT_MIN_SECONDS: '0' });
  await t.transcriptionEvents.start();
  agent = await t.userWithRole('agent');
  const supervisor = await t.userWithRole('supervisor');
  watcher = io(t.url(), {
    auth: { token: supervisor.accessToken },
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    watcher.once('connect', resolve);
    watcher.once('connect_error', reject);
  });
  watcher.on('transcript.ready', (p) => readies.push(TranscriptReadyEvent.parse(p)));
  watcher.on('transcript.progress', (p) => progress.push(TranscriptProgressEvent.parse(p)));

  const upstream = new URL(t.url());
  proxy = createServer((req, res) => {
    if (req.url?.includes('/window')) {
      held.push(req.url);
      return;
    }
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  if (doomed && doomed.exitCode === null && doomed.signalCode === null) doomed.kill('SIGKILL');
  for (const w of workers) await w.stop();
  watcher?.disconnect();
  proxy?.closeAllConnections();
  await new Promise((r) => proxy?.close(r));
  await whole?.close();
  await t?.close();
  await deleteRedisPrefix(PREFIX);
  await db?.drop();
});

/** The real worker (worker-gpu's main) as a process of its own, short lock for a quick retake. */
function startWorkerProcess(serverUrl: string): Promise<ChildProcess> {
  testModelFile();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'worker-gpu', 'src', 'main.ts')],
    {
      cwd: join(ROOT, 'worker-gpu'),
      env: {
        PATH: process.env.PATH,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: PREFIX,
        SERVER_INTERNAL_URL: serverUrl,
        WORKER_TOKEN: TEST_WORKER_TOKEN,
        WHISPER_MODEL: 'test',
        WHISPER_LANGUAGE: 'en',
        WHISPER_THREADS: '1',
        WORKER_CONCURRENCY: '1',
        WORKER_LOCK_DURATION_MS: '2000',
        WORKER_STALLED_INTERVAL_MS: '1000',
        WORKER_ID: `split-doomed-${process.pid}`,
        HEALTH_FILE: join(testTmpRoot(), `worker-split-doomed-${process.pid}-alive`),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  return new Promise((resolve, reject) => {
    const read = (d: Buffer) => {
      log += d.toString();
      if (log.includes('worker ready')) resolve(child);
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code, signal) =>
      reject(new Error(`worker exited (${signal ?? code}) before it was ready:\n${log}`)),
    );
  });
}

async function startWorker(name: string): Promise<void> {
  doneBy[name] = [];
  workers.push(
    await startInProcessWorker(
      t,
      `split-${name}`,
      { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000', WHISPER_THREADS: '1' },
      (msg, extra) => {
        if (msg === 'job done' && typeof extra?.jobId === 'string') doneBy[name]!.push(extra.jobId);
      },
    ),
  );
}

/** A call of the agent, ended, with `wav` uploaded through `app`; its recording id. */
async function upload(app: TestApp, wav: Buffer): Promise<{ callId: string; recordingId: string }> {
  const callId = await newCall(t, agent);
  await t.http.patch(`/api/calls/${callId}`).set(as(agent)).send({ event: 'ended' });
  const sha256 = createHash('sha256').update(wav).digest('hex');
  const up = await app.http
    .post(`/api/upload-recording?callId=${callId}&sha256=${sha256}`)
    .set(as(agent))
    .set('content-type', 'audio/wav')
    .set('idempotency-key', `split-${callId}`)
    .send(wav);
  expect(up.status).toBe(201);
  return { callId, recordingId: up.body.recording.id as string };
}

const windowsOf = (recordingId: string) =>
  t.live.service['d'].repo.windowsOf({ kind: 'recording', id: recordingId });
const jobIdOf = (recordingId: string, w: { channel: string; startSample: number }) =>
  `window-rec-${recordingId}-${w.channel}-${w.startSample}`;

async function transcriptOf(callId: string): Promise<Transcript> {
  return eventually(
    'the transcript',
    async () => (await t.services.transcripts.findByCallId(callId)) ?? null,
    150_000,
  );
}

/** Utterances a transcript's segments touch (same speaker, overlapping in time), by index. */
const covered = (segments: Segment[]) =>
  utterances
    .map((u, i) =>
      segments.some((s) => s.speaker === u.who && s.endMs > u.startMs && s.startMs < u.endMs)
        ? i
        : -1,
    )
    .filter((i) => i >= 0);

/** The transcript is its windows' segments, each once, in call time, spoken by its channel. */
async function expectExactlyTheWindows(recordingId: string, transcript: Transcript) {
  const windows = await windowsOf(recordingId);
  expect(windows.every((w) => w.state === 'done')).toBe(true);
  for (const who of ['agent', 'caller'] as const) {
    const mine = windows.filter((w) => w.channel === who);
    for (let i = 1; i < mine.length; i++)
      expect(mine[i]!.startSample).toBeGreaterThanOrEqual(mine[i - 1]!.endSample);
  }
  const key = (s: Segment) => `${s.speaker}|${s.startMs}|${s.endMs}|${s.text}`;
  const fromWindows = windows.flatMap((w) =>
    (w.segments ?? []).map((s) => ({ ...s, speaker: w.channel })),
  );
  for (const w of windows)
    for (const s of w.segments ?? []) {
      // in call time: inside its window (whisper's timestamps may overshoot its end a little)
      expect(s.startMs).toBeGreaterThanOrEqual(Math.floor(w.startSample / 16) - 1);
      expect(s.endMs).toBeLessThanOrEqual(Math.ceil(w.endSample / 16) + 1_000);
    }
  const keys = transcript.segments.map(key);
  expect(keys.sort()).toEqual(fromWindows.map(key).sort());
  expect(new Set(keys).size).toBe(keys.length);
  expect(new Set(transcript.segments.map((s) => s.speaker))).toEqual(new Set(['agent', 'caller']));
  return windows;
}

describe('long uploads split into window jobs', () => {
  it('a worker killed mid-window: the window is retried, no segment lost or doubled', async () => {
    doomed = await startWorkerProcess(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
    const { callId, recordingId } = await upload(t, longWav);

    // split at once: windows stored and queued, no whole-call job
    const windows = await windowsOf(recordingId);
    expect(windows.length).toBeGreaterThan(1);
    expect(await t.queues.transcription.getJob(recordingId)).toBeUndefined();
    const job = await t.queues.transcription.getJob(jobIdOf(recordingId, windows[0]!));
    expect(job!.name).toBe(TRANSCRIPTION_JOB_NAMES.window);
    expect(job!.opts.priority).toBe(TRANSCRIPTION_PRIORITY.batch);
    const data = TranscribeWindowJob.parse(job!.data);
    expect(data).toMatchObject({ context: '', source: { kind: 'recording', recordingId }, callId });
    // windows grow at pauses (the hold on throughout): fewer windows than utterances
    expect(windows.length).toBeLessThan(LINES.length);

    await eventually('the doomed worker mid-window', () => held.length === 1, 30_000);
    const states = await Promise.all(
      windows.map((w) => t.queues.transcription.getJobState(jobIdOf(recordingId, w))),
    );
    const activeAt = states.indexOf('active');
    expect(activeAt).toBeGreaterThanOrEqual(0);
    const victim = jobIdOf(recordingId, windows[activeAt]!);
    doomed.kill('SIGKILL');
    await new Promise((r) => doomed!.once('exit', r));
    await startWorker('rescuer');

    const transcript = await transcriptOf(callId);
    const retried = await t.queues.transcription.getJob(victim);
    expect(await retried!.getState()).toBe('completed');
    expect(retried!.stalledCounter ?? 0).toBeGreaterThanOrEqual(1);
    await expectExactlyTheWindows(recordingId, transcript);
    await eventually('one transcript.ready', () =>
      readies.some((r) => r.callId === callId) ? true : null,
    );
    expect(readies.filter((r) => r.callId === callId)).toHaveLength(1);
  });

  it('two workers share one call; one transcript.ready; the same speech as the whole-call job', async () => {
    await startWorker('second');
    const { callId, recordingId } = await upload(t, longWav);
    const transcript = await transcriptOf(callId);
    const windows = await expectExactlyTheWindows(recordingId, transcript);
    const ids = new Set(windows.map((w) => jobIdOf(recordingId, w)));
    // both workers took windows of this call
    expect(doneBy.rescuer!.filter((id) => ids.has(id)).length).toBeGreaterThan(0);
    expect(doneBy.second!.filter((id) => ids.has(id)).length).toBeGreaterThan(0);
    await eventually('transcript.ready', () =>
      readies.some((r) => r.callId === callId) ? true : null,
    );
    // progress: windows finished / windows, up to 100
    const mine = progress.filter((p) => p.callId === callId).map((p) => p.percent);
    expect(mine.length).toBeGreaterThanOrEqual(windows.length);
    expect(Math.max(...mine)).toBe(100);
    // each one a whole number of windows
    for (const p of mine)
      expect(
        Math.abs((p * windows.length) / 100 - Math.round((p * windows.length) / 100)),
      ).toBeLessThan(1e-6);
    expect((await t.models.Call.findByPk(callId))!.status).toBe('transcribed');
    expect(transcript.timings).toMatchObject({ windows: windows.length });

    // every utterance lies inside a window of its channel (no speech lost to the cut)
    for (const u of utterances) {
      const holders = windows.filter(
        (w) => w.channel === u.who && w.endSample / 16 > u.startMs && w.startSample / 16 < u.endMs,
      );
      expect(holders.length).toBeGreaterThanOrEqual(1);
    }
    // the whole-call job over the same audio (the replica that does not split)
    const reference = await upload(whole, longWav);
    expect((await t.queues.transcription.getJob(reference.recordingId))!.name).toBe(
      TRANSCRIPTION_JOB_NAMES.call,
    );
    const batch = await transcriptOf(reference.callId);
    const batchCovered = covered(batch.segments);
    expect(batchCovered.length).toBeGreaterThan(0);
    const splitCovered = covered(transcript.segments);
    for (const i of batchCovered) expect(splitCovered).toContain(i);
    // nothing after the audio's end, nothing twice (checked above), one ready per call
    await new Promise((r) => setTimeout(r, 1_000));
    expect(readies.filter((r) => r.callId === callId)).toHaveLength(1);
  });

  it('a short upload keeps the whole-call job', async () => {
    const { callId, recordingId } = await upload(t, shortWav);
    const job = await t.queues.transcription.getJob(recordingId);
    expect(job!.name).toBe(TRANSCRIPTION_JOB_NAMES.call);
    expect(await windowsOf(recordingId)).toHaveLength(0);
    const transcript = await transcriptOf(callId);
    expect(transcript.recordingId).toBe(recordingId);
  });

  it('the sweeper queues windows stored but not queued (a restart between the two)', async () => {
    await t.queues.transcription.pause();
    let recordingId: string;
    let callId: string;
    try {
      ({ callId, recordingId } = await upload(t, longWav));
      const windows = await windowsOf(recordingId);
      expect(windows.length).toBeGreaterThan(1);
      // what a server stopped after storing the windows, before queueing them, leaves
      for (const w of windows) await t.queues.transcription.remove(jobIdOf(recordingId, w));
      await t.sequelize.query(
        `UPDATE live_windows SET job_queued = false WHERE source_kind = 'recording' AND source_id = :id`,
        { replacements: { id: recordingId } },
      );
      await t.live.service.sweep();
      for (const w of windows) {
        const job = await t.queues.transcription.getJob(jobIdOf(recordingId, w));
        expect(job?.name).toBe(TRANSCRIPTION_JOB_NAMES.window);
      }
      expect((await windowsOf(recordingId)).every((w) => w.jobQueued)).toBe(true);
    } finally {
      await t.queues.transcription.resume();
    }
    const transcript = await transcriptOf(callId);
    const windows = await expectExactlyTheWindows(recordingId, transcript);

    // a privacy erasure drops the window jobs too (a finished one's result holds its text)
    const recording = (await t.models.Recording.findByPk(recordingId))!;
    expect(await t.recordings.erasure.jobs([recording])).toBe(windows.length);
    const destroyed = await t.recordings.erasure.destroyAudio([recording]);
    expect(destroyed.jobs).toBe(windows.length);
    for (const w of windows)
      expect(await t.queues.transcription.getJob(jobIdOf(recordingId, w))).toBeUndefined();
  });
  it('a window failing for good is left out of the transcript; every window failed: the call failed', async () => {
    await t.queues.transcription.pause();
    let one: { callId: string; recordingId: string };
    let all: { callId: string; recordingId: string };
    const failFor = async (recordingId: string, w: { channel: string; startSample: number }) => {
      await t.queues.transcription.remove(jobIdOf(recordingId, w));
      expect(
        await t.live.service.windowFailed({ id: jobIdOf(recordingId, w), failedReason: 'boom' }),
      ).toBe(true);
    };
    try {
      one = await upload(t, longWav);
      const first = (await windowsOf(one.recordingId))[0]!;
      await failFor(one.recordingId, first);
      all = await upload(t, longWav);
      for (const w of await windowsOf(all.recordingId)) await failFor(all.recordingId, w);
    } finally {
      await t.queues.transcription.resume();
    }
    // every window failed: the call is failed, no transcript, and the sweeper leaves it alone
    expect((await t.models.Call.findByPk(all.callId))!.status).toBe('failed');
    expect(await t.services.transcripts.findByCallId(all.callId)).toBeNull();
    expect(
      await t.live.service['d'].repo.splitRecordingsWithoutTranscript(['queued', 'failed']),
    ).not.toContain(all.recordingId);

    // one failed: the transcript holds the other windows' segments, none in the failed one's
    const transcript = await transcriptOf(one.callId);
    const windows = await windowsOf(one.recordingId);
    const failed = windows.filter((w) => w.state === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.failureReason).toBe('boom');
    const key = (x: Segment) => `${x.speaker}|${x.startMs}|${x.endMs}|${x.text}`;
    const fromDone = windows
      .filter((w) => w.state === 'done')
      .flatMap((w) => (w.segments ?? []).map((x) => ({ ...x, speaker: w.channel })));
    expect(transcript.segments.map(key).sort()).toEqual(fromDone.map(key).sort());
    expect(transcript.segments.length).toBeGreaterThan(0);
  });
});
