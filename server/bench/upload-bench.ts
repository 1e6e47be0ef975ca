/**
 * Upload throughput over HTTP: N recordings of a given size through `POST /api/upload-recording`
 * (validate + sha256 + encrypt + fsync + rows + queue), next to raw AES-256-GCM throughput measured
 * in the same run as the ceiling.
 *
 *   npx tsx server/bench/upload-bench.ts [--n 20] [--size-mb 16] [--concurrency 1]
 *   npx tsx server/bench/upload-bench.ts --url https://host --token <agent access token> ...
 *
 * Without --url it starts a server in-process on the local PostgreSQL/Redis (TEST_DATABASE_ADMIN_URL,
 * TEST_REDIS_URL or the defaults) with a throwaway database, Redis prefix and storage directory,
 * all removed at the end. MB = 10^6 bytes.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { createApp, type AppInstance } from '../src/app';
import { loadConfig } from '../src/config';
import { migrateUp } from '../src/db/migrator';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20' },
    'size-mb': { type: 'string', default: '16' },
    concurrency: { type: 'string', default: '1' },
    url: { type: 'string' },
    token: { type: 'string' },
  },
});
const N = Number(values.n);
const SIZE = Math.round(Number(values['size-mb']) * 1e6);
const CONCURRENCY = Number(values.concurrency);
const ADMIN_DB =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A stereo 16 kHz s16 WAV of about `size` bytes (noise, so nothing compresses or repeats). */
function makeWav(size: number): Buffer {
  const frames = Math.floor((size - 44) / 4);
  const data = randomBytes(frames * 4);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(2, 22);
  h.writeUInt32LE(16000, 24);
  h.writeUInt32LE(64000, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Raw AES-256-GCM, one context fed 64 KiB pieces: the ceiling for any encrypted upload. */
function aesCeilingMBs(buf: Buffer): number {
  const key = randomBytes(32);
  const run = () => {
    const c = createCipheriv('aes-256-gcm', key, randomBytes(12));
    for (let i = 0; i < buf.length; i += 65536) c.update(buf.subarray(i, i + 65536));
    c.final();
  };
  run();
  const best: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    run();
    best.push(buf.length / 1e6 / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return Math.max(...best);
}

interface Target {
  url: string;
  token: string;
  stop(): Promise<void>;
}

async function localServer(): Promise<Target> {
  const id = `${Date.now().toString(36)}_${process.pid}`;
  const dbName = `cwn_bench_${id}`;
  const admin = new Client({ connectionString: ADMIN_DB });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  const dbUrl = new URL(ADMIN_DB);
  dbUrl.pathname = `/${dbName}`;
  const storageDir = await mkdtemp(join(tmpdir(), 'cwn-bench-audio-'));
  const prefix = `cwn-bench-${id}`;
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL,
    REDIS_PREFIX: prefix,
    JWT_SECRET: randomBytes(48).toString('base64'),
    MASTER_KEY: randomBytes(32).toString('base64'),
    WORKER_TOKEN: randomBytes(32).toString('base64'),
    STORAGE_DIR: storageDir,
    LOG_LEVEL: 'silent',
  });
  const app: AppInstance = createApp(config);
  await migrateUp(app.sequelize);
  const address = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}`;
  const email = 'bench-agent@bench.local';
  const password = randomBytes(12).toString('hex');
  await app.services.users.create({ email, password, role: 'agent', displayName: 'Bench agent' });
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const token = ((await login.json()) as { accessToken: string }).accessToken;
  return {
    url,
    token,
    stop: async () => {
      await app.close();
      const a = new Client({ connectionString: ADMIN_DB });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await a.end();
      const r = new Redis(REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length) await r.unlink(...keys);
      } while (cursor !== '0');
      r.disconnect();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const target: Target = values.url
    ? { url: values.url.replace(/\/$/, ''), token: values.token ?? '', stop: async () => undefined }
    : await localServer();
  if (!target.token) throw new Error('--token is required with --url (an agent access token)');
  const wav = makeWav(SIZE);
  const digest = createHash('sha256').update(wav).digest('hex');
  const ceiling = aesCeilingMBs(wav);
  try {
    const latencies: number[] = [];
    let next = 0;
    const uploadOne = async (i: number) => {
      const query = new URLSearchParams({
        direction: 'inbound',
        pbxCallId: `bench-${process.pid}-${Date.now()}-${i}`,
        startedAt: new Date().toISOString(),
        sha256: digest,
      });
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${target.url}/api/upload-recording?${query}`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${target.token}`,
          'Content-Type': 'audio/wav',
          'Idempotency-Key': `bench-${process.pid}-${Date.now()}-${i}`,
        },
        body: wav,
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`upload ${i} answered ${res.status}`);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    };
    await uploadOne(-1); // warm-up (connection pool, JIT)
    latencies.length = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < N) await uploadOne(next++);
      }),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const mbs = (N * wav.length) / 1e6 / seconds;
    latencies.sort((a, b) => a - b);
    const rows: Array<[string, string]> = [
      [
        'recordings × size',
        `${N} × ${(wav.length / 1e6).toFixed(1)} MB (concurrency ${CONCURRENCY})`,
      ],
      ['upload throughput', `${mbs.toFixed(1)} MB/s`],
      ['latency p50', `${percentile(latencies, 50).toFixed(1)} ms`],
      ['latency p95', `${percentile(latencies, 95).toFixed(1)} ms`],
      ['latency p99', `${percentile(latencies, 99).toFixed(1)} ms`],
      ['raw AES-256-GCM (ceiling)', `${ceiling.toFixed(1)} MB/s`],
      ['upload / ceiling', `${((mbs / ceiling) * 100).toFixed(1)} %`],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(`| ${'measure'.padEnd(w)} | value |\n| ${'-'.repeat(w)} | --- |`);
    for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v} |`);
  } finally {
    await target.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`upload-bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
