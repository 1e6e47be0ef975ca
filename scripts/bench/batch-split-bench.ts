/**
 * npm run bench:batch-split -- [--minutes 10] [--threads 1] [--repeats 1]
 *
 * A long batch upload, transcribed as one whole-call job or split into window jobs (decision
 * 1401), with one and with two worker processes, in the same run: hang-up → transcript ready
 * (wall, including the login, the call report and the upload, which for a split call waits for the
 * cut) and CPU seconds per audio minute of the workers and of the server (the cut's VAD). Two-sided
 * espeak-ng speech with pauses, the generated model on the CPU.
 *
 * Everything real: three server replicas in this process (createApp) on one database and Redis
 * prefix of their own, one with splitting off (`BATCH_SPLIT_MIN_SECONDS=0`: the whole-call job),
 * one splitting calls of 2 minutes and more (the default, Silero VAD), one splitting with the
 * energy detector (`LIVE_VAD=energy`: how much of the split's server cost is Silero's); the workers
 * as processes of their own, so that their CPU time is theirs. The machine may be shared: compare
 * the ratios of one run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startTestApp,
  TEST_PASSWORD,
  TEST_WORKER_TOKEN,
  type TestApp,
} from '@cwn/test-support/app';
import {
  deleteRedisPrefix,
  ensureTestTmpRoot,
  migratedDatabase,
  removeTestTmpRoot,
  TEST_REDIS_URL,
} from '@cwn/test-support/services';
import { encodeWav, msOf, place, speak } from '@cwn/test-support/worker-speech';
import { simulateCall } from '../src/simulate-call/simulate';

const ROOT = join(__dirname, '..', '..');

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
}
const MINUTES = Number(arg('minutes', '10'));
const THREADS = arg('threads', '1');
const REPEATS = Number(arg('repeats', '1'));

const LINES: Array<['agent' | 'caller', string]> = [
  ['agent', 'Good morning, help desk, this is Marc speaking. How can I help you today?'],
  ['caller', 'Hello, since this morning my printer on the second floor shows a paper jam error.'],
  ['agent', 'Did you already open the front cover and check the paper tray for torn sheets?'],
  ['caller', 'Yes, I removed all the paper and restarted it twice, but the error is still there.'],
  ['agent', 'All right. Can you read me the error code shown under the message, please?'],
  ['caller', 'It says E four zero two, and the orange light next to the power button is blinking.'],
  ['agent', 'Thank you. I will open a ticket and send a technician this afternoon.'],
  ['caller', 'Thank you very much, that would be great. I will be at my desk until five.'],
];

/** `minutes` of the lines in turn, pauses of 0.8 to 3 s between them. */
function callWav(minutes: number): Buffer {
  const totalMs = minutes * 60_000;
  type Part = { atMs: number; pcm: Float32Array };
  const parts: Record<'agent' | 'caller', Part[]> = { agent: [], caller: [] };
  let at = 500;
  for (let k = 0; ; k++) {
    const [who, text] = LINES[k % LINES.length]!;
    const pcm = speak(text, who === 'agent' ? 'en' : 'en+f3');
    if (at + msOf(pcm) > totalMs) break;
    parts[who].push({ atMs: at, pcm });
    at += msOf(pcm) + 800 + ((k * 7919) % 2200);
  }
  return encodeWav([place(totalMs, parts.agent), place(totalMs, parts.caller)]);
}

/** utime + stime of a process, seconds (Linux /proc, 100 ticks a second). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startWorkerProcess(t: TestApp, n: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'worker-gpu', 'src', 'main.ts')],
    {
      cwd: join(ROOT, 'worker-gpu'),
      env: {
        PATH: process.env.PATH,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: t.config.redisPrefix,
        SERVER_INTERNAL_URL: t.url(),
        WORKER_TOKEN: TEST_WORKER_TOKEN,
        WHISPER_MODEL: 'test',
        WHISPER_LANGUAGE: 'en',
        WHISPER_THREADS: THREADS,
        WHISPER_TEMPERATURE_INC: '0',
        WORKER_CONCURRENCY: '1',
        WORKER_ID: `bench-split-${process.pid}-${n}`,
        HEALTH_FILE: join(process.env.CWN_TEST_TMP_DIR!, `bench-split-worker-${n}-alive`),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not ready in 60 s:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('worker ready')) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited ${code}:\n${out}`)));
  });
  return child;
}

async function stopWorker(w: ChildProcess): Promise<void> {
  if (w.exitCode !== null || w.signalCode !== null) return;
  const exited = new Promise((r) => w.once('exit', r));
  w.kill('SIGTERM');
  await exited;
}

const serverCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function main(): Promise<void> {
  const started = performance.now();
  const db = await migratedDatabase('bench_split');
  const prefix = `cwn-bench-split-${Date.now().toString(36)}_${process.pid}`;
  process.env.CWN_TEST_DATABASE_URL = db.url;
  process.env.CWN_TEST_REDIS_PREFIX = prefix;
  ensureTestTmpRoot();
  const apps: TestApp[] = [];
  let workers: ChildProcess[] = [];
  try {
    const common = { LOGIN_RATE_LIMIT: '1000000', REDIS_PREFIX: prefix, DATABASE_URL: db.url };
    const whole = await startTestApp({ ...common, BATCH_SPLIT_MIN_SECONDS: '0' });
    apps.push(whole);
    const split = await startTestApp({ ...common, BATCH_SPLIT_MIN_SECONDS: '120' });
    apps.push(split);
    // the same split with the energy detector: how much of the split's cost is Silero's
    const energy = await startTestApp({
      ...common,
      BATCH_SPLIT_MIN_SECONDS: '120',
      LIVE_VAD: 'energy',
    });
    apps.push(energy);
    await whole.transcriptionEvents.start();
    await whole.services.users.create({
      email: 'bench-split@bench.local',
      password: TEST_PASSWORD,
      role: 'agent',
      displayName: 'Bench agent',
    });
    const wav = callWav(MINUTES);
    const quiet = () => undefined;
    const rows: string[][] = [];
    const runs: Array<{ label: string; app: TestApp; workers: number }> = [
      { label: 'whole-call job', app: whole, workers: 1 },
      { label: 'split into windows', app: split, workers: 1 },
      { label: 'split into windows', app: split, workers: 2 },
      { label: 'split, energy VAD', app: energy, workers: 2 },
    ];
    let baseline = 0;
    let baselineCpu = 0;
    for (const run of runs) {
      for (const w of workers) await stopWorker(w);
      workers = [];
      for (let n = 0; n < run.workers; n++) workers.push(await startWorkerProcess(run.app, n));
      const walls: number[] = [];
      let windows = 0;
      let segments = 0;
      const cpu0 = workers.map((w) => cpuSecondsOf(w.pid!));
      const server0 = serverCpu();
      for (let r = 0; r < REPEATS; r++) {
        const t0 = performance.now();
        const done = await simulateCall(
          {
            server: run.app.url(),
            email: 'bench-split@bench.local',
            password: TEST_PASSWORD,
            number: '+33 6 12 34 56 78',
            wav,
            timeoutMs: 60 * 60_000,
          },
          quiet,
        );
        walls.push(performance.now() - t0);
        windows += done.transcript.timings?.windows ?? 0;
        segments += done.transcript.segments.length;
      }
      const workerCpu = workers.reduce((s, w, i) => s + cpuSecondsOf(w.pid!) - cpu0[i]!, 0);
      const perMin = workerCpu / (MINUTES * REPEATS);
      const serverPerMin = (serverCpu() - server0) / (MINUTES * REPEATS);
      const wall = walls.reduce((a, b) => a + b, 0) / walls.length;
      if (!baseline) {
        baseline = wall;
        baselineCpu = perMin;
      }
      rows.push([
        run.label,
        String(run.workers),
        String(Math.round(windows / REPEATS)),
        String(Math.round(segments / REPEATS)),
        (wall / 1000).toFixed(1),
        (wall / baseline).toFixed(2),
        perMin.toFixed(2),
        (perMin / baselineCpu).toFixed(2),
        serverPerMin.toFixed(2),
      ]);
    }
    const head = [
      'path',
      'workers',
      'windows',
      'segments',
      'hang-up→ready s',
      '× whole',
      'worker CPU s/audio min',
      '× whole',
      'server CPU s/audio min',
    ];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    console.log(
      `batch split bench: ${MINUTES}-minute two-sided call, generated model, CPU, each worker 1 context × ${THREADS} thread(s), ${REPEATS} run(s) each; ${((performance.now() - started) / 60_000).toFixed(1)} min in all`,
    );
    console.log(line(head));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const r of rows) console.log(line(r));
    console.log(
      'hang-up→ready: login, call report, upload (a split call: the upload answers after the cut) until the transcript; server CPU: this process (the replicas, the bench client), mostly the cut.',
    );
  } finally {
    for (const w of workers) await stopWorker(w).catch(() => undefined);
    for (const a of apps.reverse()) await a.close().catch(() => undefined);
    await deleteRedisPrefix(prefix).catch(() => undefined);
    await db.drop().catch(() => undefined);
    removeTestTmpRoot();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
