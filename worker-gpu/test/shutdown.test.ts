/**
 * SIGTERM while Redis is down: the worker keeps its shutdown grace and then exits on that one
 * signal (it can neither hand the job back nor close cleanly; the job's lock expires and another
 * worker's stalled check takes it). Each test runs its own redis-server, stopped mid-test.
 */
import { QUEUES } from '@cwn/protocol';
import { Queue } from 'bullmq';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { TEST_MODEL_PATH } from '../src/models/paths';
import { ensureTestModel } from '../src/models/test-model';

jest.setTimeout(40_000);

const TOKEN = 'test-worker-token-789';
const PREFIX = 'cwnshutdown';
const RECORDING = '66666666-6666-4666-8666-666666666666';
const CALL = '99999999-9999-4999-8999-999999999999';
const GRACE_MS = 1500;

const children: ChildProcess[] = [];
let work: string;
let server: Server;
let serverUrl: string;
let fetched: () => void = () => undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

/** A redis-server of its own, so that stopping it touches no other test. */
async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: work, stdio: 'ignore' },
  );
  children.push(child);
  const url = `redis://127.0.0.1:${port}`;
  // wait for the server to answer (no fixed sleep)
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const up = await probe
      .connect()
      .then(() => probe.ping())
      .then(
        () => true,
        () => false,
      );
    probe.disconnect();
    if (up) break;
    if (child.exitCode !== null) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, child };
}

function startWorker(redisUrl: string): {
  child: ChildProcess;
  log: () => string;
  ready: Promise<void>;
} {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'src', 'main.ts')],
    {
      cwd: join(__dirname, '..'),
      env: {
        PATH: process.env.PATH,
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: PREFIX,
        SERVER_INTERNAL_URL: serverUrl,
        WORKER_TOKEN: TOKEN,
        WHISPER_MODEL: 'test',
        WHISPER_THREADS: '1',
        WORKER_SHUTDOWN_GRACE_MS: String(GRACE_MS),
        HEALTH_FILE: join(work, 'alive'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => {
      if (log.includes('worker ready')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`worker exited (${code}) before ready:\n${log}`)),
    );
  });
  return { child, log: () => log, ready };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cwn-shutdown-'));
  ensureTestModel(TEST_MODEL_PATH);
  // the audio is never answered: the job stays in its fetch until the worker aborts it
  server = createServer(() => fetched());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  rmSync(work, { recursive: true, force: true });
});

describe('worker shutdown with Redis down', () => {
  it('exits on one SIGTERM after its grace, with a job running', async () => {
    const redis = await startRedis();
    const w = startWorker(redis.url);
    await w.ready;
    const queue = new Queue(QUEUES.transcription, {
      connection: { url: redis.url },
      prefix: PREFIX,
    });
    const inFetch = new Promise<void>((r) => (fetched = r));
    await queue.add('transcribe', {
      recordingId: RECORDING,
      callId: CALL,
      channels: 2,
      durationMs: 5000,
      languageHint: null,
    });
    await inFetch;
    await queue.close();

    redis.child.kill('SIGKILL');
    await exited(redis.child);
    const signalledAt = Date.now();
    w.child.kill('SIGTERM');
    const { code } = await exited(w.child);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(GRACE_MS); // the grace was kept
    expect(code).toBe(1);
    expect(w.log()).toContain('Redis unreachable');
    expect(w.log()).not.toContain('second signal');
  });

  it('exits on one SIGTERM when idle', async () => {
    const redis = await startRedis();
    const w = startWorker(redis.url);
    await w.ready;
    redis.child.kill('SIGKILL');
    await exited(redis.child);
    w.child.kill('SIGTERM');
    const { code } = await exited(w.child);
    expect(code).not.toBeNull();
    expect(w.log()).not.toContain('second signal');
  });
});
