import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TokenPair } from '@cwn/protocol';
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
import { as, newCall, openLive, stream, twoSidedCall } from './live-kit';

/**
 * A real worker process killed (SIGKILL) while it holds a live window's job (decision 1400,
 * faults): the job's lock expires, BullMQ's stalled check puts it back, another worker transcribes
 * it, and the final transcript holds each window's segments once, none lost, none doubled.
 */
jest.setTimeout(150_000);

const PREFIX = `live-kill-${process.pid}-${Date.now().toString(36)}`;
const { pcm: CALL } = twoSidedCall();
const ROOT = join(__dirname, '..', '..', '..');

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let t: TestApp;
let agent: TokenPair;
let doomed: ChildProcess | undefined;
let rescuer: InProcessWorker | undefined;
let proxy: Server;
/** Window requests of the doomed worker: held open, never answered. */
const held: string[] = [];

beforeAll(async () => {
  db = await migratedDatabase('live_kill');
  t = await startTestApp({ REDIS_PREFIX: PREFIX, LIVE_VAD: 'energy', DATABASE_URL: db.url });
  await t.transcriptionEvents.start();
  agent = await t.userWithRole('agent');
  const upstream = new URL(t.url());
  // The doomed worker's way to the server: its window reads hang (it is mid-window when killed).
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
  await rescuer?.stop();
  proxy?.closeAllConnections();
  await new Promise((r) => proxy?.close(r));
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
        WORKER_ID: `doomed-${process.pid}`,
        HEALTH_FILE: join(testTmpRoot(), `worker-doomed-${process.pid}-alive`),
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

it('a worker killed mid-window: the window is retried after the stalled check, no segment lost or doubled', async () => {
  doomed = await startWorkerProcess(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
  const callId = await newCall(t, agent);
  const id = await openLive(t, agent, callId);
  await stream(t, agent, id, CALL);

  // The doomed worker holds the first window's job, reading its audio.
  await eventually('the doomed worker mid-window', () => held.length === 1, 30_000);
  const windows = await t.live.service['d'].repo.windowsOf({ kind: 'live', id });
  expect(windows.length).toBeGreaterThan(1);
  const jobIdOf = (w: (typeof windows)[number]) =>
    `window-live-${id}-${w.channel}-${w.startSample}`;
  const states = await Promise.all(
    windows.map((w) => t.queues.transcription.getJobState(jobIdOf(w))),
  );
  const activeAt = states.indexOf('active');
  expect(activeAt).toBeGreaterThanOrEqual(0);
  expect(states.filter((s) => s === 'active')).toHaveLength(1);
  const victim = jobIdOf(windows[activeAt]!);
  expect(held[0]).toContain(`start=${windows[activeAt]!.startSample}`);

  doomed.kill('SIGKILL');
  await new Promise((r) => doomed!.once('exit', r));
  // Another worker takes over (the same code in this process, straight to the server).
  rescuer = await startInProcessWorker(t, 'rescuer', {
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '1000',
  });

  const closed = await t.http
    .post(`/api/live-recordings/${id}/close`)
    .set(as(agent))
    .send({ totalBytes: CALL.length });
  expect(closed.status).toBe(200);
  const transcript = await eventually(
    'the final transcript',
    async () => (await t.models.Transcript.findOne({ where: { callId } })) ?? null,
    90_000,
  );

  // The killed job was put back by the stalled check and completed by the rescuer.
  const job = await t.queues.transcription.getJob(victim);
  expect(await job!.getState()).toBe('completed');
  expect(job!.stalledCounter ?? 0).toBeGreaterThanOrEqual(1);
  // Every window done once; the transcript is exactly their segments, none twice.
  const after = await t.live.service['d'].repo.windowsOf({ kind: 'live', id });
  // The windows cut before the kill are all still there; a channel held open while its window was
  // busy (grown windows) may add one more at the close: none overlaps another.
  expect(after.map((w) => w.id)).toEqual(expect.arrayContaining(windows.map((w) => w.id)));
  for (const channel of ['agent', 'caller'] as const) {
    const mine = after
      .filter((w) => w.channel === channel)
      .sort((a, b) => a.startSample - b.startSample);
    for (let i = 1; i < mine.length; i++)
      expect(mine[i]!.startSample).toBeGreaterThanOrEqual(mine[i - 1]!.endSample);
  }
  expect(after.every((w) => w.state === 'done')).toBe(true);
  const fromWindows = after.flatMap((w) =>
    (w.segments ?? []).map((s) => ({ ...s, speaker: w.channel })),
  );
  expect(transcript.segments).toHaveLength(fromWindows.length);
  const keys = transcript.segments.map((s) => `${s.speaker}/${s.startMs}/${s.endMs}/${s.text}`);
  expect(new Set(keys).size).toBe(keys.length);
  expect(transcript.segments.length).toBeGreaterThan(0);
});
