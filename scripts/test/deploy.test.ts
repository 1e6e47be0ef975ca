// Checks of the production deployment that can run without a Docker engine or a GPU: the compose
// file through a real compose implementation, shellcheck on every script, the nginx config loaded
// and serving by a real nginx, the installer's pure parts, and a backup → restore round trip
// against the local PostgreSQL. Every tool must be installed (scripts/ensure-deps.sh does it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  randomBytes,
} from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { loadConfig } from '@cwn/test-support/app';

const ROOT = resolve(__dirname, '../..');
const INSTALL = join(ROOT, 'scripts/install-server.sh');
const BACKUP = join(ROOT, 'scripts/ops/backup.sh');
const RESTORE = join(ROOT, 'scripts/ops/restore.sh');
const ADMIN_DB_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Run {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and expects success; the failure message carries the tool's own output. */
function ok(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string } = {},
): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** The path of a tool, or a clear failure naming the Debian package that provides it. */
function requireTool(name: string, debianPackage: string): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  throw new Error(
    `${name} is not installed: apt-get install -y ${debianPackage} (scripts/ensure-deps.sh installs it)`,
  );
}

const sandboxes: string[] = [];
function sandbox(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cwn-deploy-${prefix}-`));
  sandboxes.push(dir);
  return dir;
}

function readEnv(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Writes .env and a self-signed certificate into a sandbox, as the installer does on a server. */
function installEnvOnly(dir: string, ...extra: string[]): Run {
  return run('bash', [INSTALL, '--env-only', '--dir', dir, ...extra]);
}

afterAll(() => {
  for (const dir of sandboxes) rmSync(dir, { recursive: true, force: true });
});

describe('shellcheck', () => {
  let shellcheck: string;
  beforeAll(() => {
    shellcheck = requireTool('shellcheck', 'shellcheck');
  });

  function shellScripts(dir: string): string[] {
    const skip = new Set(['node_modules', '.git', 'dist', '.data', '.output', '.nuxt']);
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      if (skip.has(e.name)) return [];
      const p = join(dir, e.name);
      if (e.isDirectory()) return shellScripts(p);
      return e.name.endsWith('.sh') ? [relative(ROOT, p)] : [];
    });
  }

  test('the deployment scripts have no finding at any severity', () => {
    const ours = [
      'scripts/install-server.sh',
      ...readdirSync(join(ROOT, 'scripts/ops')).map((f) => `scripts/ops/${f}`),
    ];
    expect(ours).toEqual(
      expect.arrayContaining(
        ['backup', 'restore', 'update', 'logs', 'start', 'stop'].map((n) => `scripts/ops/${n}.sh`),
      ),
    );
    ok(shellcheck, ['-x', ...ours]);
  });

  test('every other shell script has no warning or error', () => {
    const others = shellScripts(ROOT).filter(
      (f) => f !== 'scripts/install-server.sh' && !f.startsWith('scripts/ops/'),
    );
    expect(others.length).toBeGreaterThan(0);
    ok(shellcheck, ['-x', '--severity=warning', ...others]);
  });
});

describe('install-server.sh (the parts that run without Docker)', () => {
  beforeAll(() => {
    requireTool('openssl', 'openssl');
  });

  test('writes .env with strong secrets the server accepts and a matching certificate', () => {
    const dir = sandbox('env');
    const r = installEnvOnly(dir, '--domain', 'helpdesk.example.com', '--cpu');
    expect(r.stderr).toContain('wrote');
    expect(r.status).toBe(0);
    const envFile = join(dir, '.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = readEnv(envFile);
    expect(env.COMPOSE_PROFILES).toBe('cpu');
    expect(env.PUBLIC_URL).toBe('https://helpdesk.example.com');
    expect(env.ADMIN_EMAIL).toBe('admin@helpdesk.example.com');
    expect(Buffer.from(env.MASTER_KEY, 'base64')).toHaveLength(32);
    expect(env.JWT_SECRET.length).toBeGreaterThanOrEqual(64);
    expect(env.WORKER_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(env.POSTGRES_PASSWORD).toMatch(/^[0-9a-f]{48}$/);
    expect(env.ADMIN_PASSWORD.length).toBeGreaterThanOrEqual(20);
    // the admin password was printed once, for the first login
    expect(r.stdout).toContain(env.ADMIN_PASSWORD);

    // VAPID: a P-256 pair; what the private key signs, the public key verifies
    const pub = Buffer.from(env.VAPID_PUBLIC_KEY, 'base64url');
    expect(pub).toHaveLength(65);
    expect(pub[0]).toBe(4);
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: pub.subarray(1, 33).toString('base64url'),
      y: pub.subarray(33).toString('base64url'),
    };
    const privateKey = createPrivateKey({
      key: { ...jwk, d: env.VAPID_PRIVATE_KEY },
      format: 'jwk',
    });
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    const signature = sign('sha256', Buffer.from('push'), privateKey);
    expect(verify('sha256', Buffer.from('push'), publicKey, signature)).toBe(true);

    const certs = join(dir, 'docker/nginx/certs');
    const certPub = ok('openssl', [
      'x509',
      '-noout',
      '-pubkey',
      '-in',
      join(certs, 'fullchain.pem'),
    ]);
    const keyPub = ok('openssl', ['pkey', '-pubout', '-in', join(certs, 'privkey.pem')]);
    expect(certPub).toBe(keyPub);
    // readable by nginx's group 0 in the container, by no other user on the host
    expect(statSync(join(certs, 'privkey.pem')).mode & 0o777).toBe(0o640);
    expect(
      ok('openssl', [
        'x509',
        '-noout',
        '-ext',
        'subjectAltName',
        '-in',
        join(certs, 'fullchain.pem'),
      ]),
    ).toContain('DNS:helpdesk.example.com');
  });

  test('running it again changes nothing; a missing key is added alone; an explicit flag wins', () => {
    const dir = sandbox('idem');
    expect(installEnvOnly(dir, '--domain', 'a.example.com', '--cpu').status).toBe(0);
    const envFile = join(dir, '.env');
    const cert = join(dir, 'docker/nginx/certs/fullchain.pem');
    const before = readFileSync(envFile, 'utf8');
    const beforeCert = readFileSync(cert, 'utf8');
    const mtime = statSync(envFile).mtimeMs;

    const again = installEnvOnly(dir);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('nothing changed');
    expect(again.stdout).not.toContain(readEnv(envFile).ADMIN_PASSWORD);
    expect(readFileSync(envFile, 'utf8')).toBe(before);
    expect(statSync(envFile).mtimeMs).toBe(mtime);
    expect(readFileSync(cert, 'utf8')).toBe(beforeCert);

    // an operator's edit is kept; a deleted secret is regenerated without touching the others
    const old = readEnv(envFile);
    writeFileSync(
      envFile,
      before
        .replace(/^WORKER_TOKEN=.*\n/m, '')
        .replace(/^WORKER_CONCURRENCY=1$/m, 'WORKER_CONCURRENCY=3'),
    );
    expect(installEnvOnly(dir).status).toBe(0);
    const now = readEnv(envFile);
    expect(now.WORKER_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(now.WORKER_TOKEN).not.toBe(old.WORKER_TOKEN);
    expect(now.WORKER_CONCURRENCY).toBe('3');
    for (const k of [
      'MASTER_KEY',
      'JWT_SECRET',
      'POSTGRES_PASSWORD',
      'ADMIN_PASSWORD',
      'VAPID_PRIVATE_KEY',
    ]) {
      expect(now[k]).toBe(old[k]);
    }

    // an emptied secret is regenerated; an emptied master key stops the installer instead
    writeFileSync(
      envFile,
      readFileSync(envFile, 'utf8').replace(/^JWT_SECRET=.*$/m, 'JWT_SECRET='),
    );
    expect(installEnvOnly(dir).status).toBe(0);
    expect(readEnv(envFile).JWT_SECRET.length).toBeGreaterThanOrEqual(64);
    const keep = readFileSync(envFile, 'utf8');
    writeFileSync(envFile, keep.replace(/^MASTER_KEY=.*$/m, 'MASTER_KEY='));
    const emptied = installEnvOnly(dir);
    expect(emptied.status).not.toBe(0);
    expect(emptied.stderr).toContain('MASTER_KEY is empty');
    expect(readEnv(envFile).MASTER_KEY).toBe('');
    writeFileSync(envFile, keep);

    // a new domain changes the URL and the self-signed certificate, never the secrets
    expect(installEnvOnly(dir, '--domain', 'b.example.com').status).toBe(0);
    const moved = readEnv(envFile);
    expect(moved.PUBLIC_URL).toBe('https://b.example.com');
    expect(moved.MASTER_KEY).toBe(old.MASTER_KEY);
    expect(readFileSync(cert, 'utf8')).not.toBe(beforeCert);
  });

  test('installs a given certificate and keeps it on later runs', () => {
    const dir = sandbox('cert');
    const own = sandbox('owncert');
    ok('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/CN=given.example.com',
      '-keyout',
      join(own, 'key.pem'),
      '-out',
      join(own, 'cert.pem'),
    ]);
    const args = ['--domain', 'given.example.com', '--cpu'];
    const r = installEnvOnly(
      dir,
      ...args,
      '--cert',
      join(own, 'cert.pem'),
      '--key',
      join(own, 'key.pem'),
    );
    expect(r.status).toBe(0);
    const certs = join(dir, 'docker/nginx/certs');
    expect(readFileSync(join(certs, 'fullchain.pem'))).toEqual(readFileSync(join(own, 'cert.pem')));
    expect(existsSync(join(certs, '.self-signed'))).toBe(false);
    expect(r.stdout).not.toContain('self-signed');
    // without --cert next time: the given certificate is kept, not replaced by a self-signed one
    expect(installEnvOnly(dir).status).toBe(0);
    expect(readFileSync(join(certs, 'fullchain.pem'))).toEqual(readFileSync(join(own, 'cert.pem')));

    // a key that does not belong to the certificate is refused
    ok('openssl', [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      join(own, 'other.pem'),
    ]);
    const bad = installEnvOnly(
      dir,
      '--cert',
      join(own, 'cert.pem'),
      '--key',
      join(own, 'other.pem'),
    );
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('do not belong together');
  });

  test('--dry-run plans every step and changes nothing', () => {
    const dir = sandbox('dry');
    const r = run('bash', [
      INSTALL,
      '--dry-run',
      '--cpu',
      '--dir',
      dir,
      '--domain',
      'dry.example.com',
    ]);
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    expect(r.stdout).toContain('would write');
    expect(r.stdout).toContain('would create a self-signed certificate for dry.example.com');
    expect(r.stdout).toMatch(/would run: compose run .*download-cli\.js/);
    expect(r.stdout).toMatch(/would run: compose up -d/);
    expect(r.stdout).toContain('https://dry.example.com/tv');
  });

  test('rejects a malformed extension id before changing anything', () => {
    const dir = sandbox('badid');
    const r = installEnvOnly(dir, '--extension-id', 'not-an-id');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('not a Chrome extension id');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('docker-compose.yml (validated by docker-compose config)', () => {
  let dir: string;
  let compose: string;
  let python: string;
  beforeAll(() => {
    compose = requireTool('docker-compose', 'docker-compose');
    python = requireTool('python3', 'python3');
    dir = sandbox('compose');
    const r = installEnvOnly(
      dir,
      '--domain',
      'helpdesk.example.com',
      '--gpu',
      '--extension-id',
      'abcdefghijklmnopabcdefghijklmnop',
    );
    if (r.status !== 0) throw new Error(`install-server.sh --env-only failed:\n${r.stderr}`);
  });

  interface ComposeService {
    image?: string;
    build?: { dockerfile: string; args?: Record<string, string> };
    ports?: unknown[];
    environment?: Record<string, string | null>;
    healthcheck?: unknown;
    command?: string[];
    deploy?: {
      resources?: { reservations?: { devices?: { driver: string; capabilities: string[] }[] } };
    };
    profiles?: string[];
    stop_grace_period?: string;
    volumes?: string[];
  }

  function config(profile: string, envFile = join(dir, '.env')): Record<string, ComposeService> {
    const yaml = ok(compose, ['--env-file', envFile, '-f', 'docker-compose.yml', 'config'], {
      env: { COMPOSE_PROFILES: profile },
    });
    const json = ok(
      python,
      ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'],
      {
        input: yaml,
      },
    );
    return (JSON.parse(json) as { services: Record<string, ComposeService> }).services;
  }

  test('the GPU variant: every part present, only nginx published, the worker reserves the GPU', () => {
    const services = config('gpu');
    expect(Object.keys(services).sort()).toEqual(
      [
        'nginx',
        'nuxt-dashboard',
        'postgres',
        'pwa',
        'redis',
        'server',
        'worker-cpu',
        'worker-gpu',
      ].sort(),
    );
    for (const [name, s] of Object.entries(services)) {
      if (name !== 'nginx') expect({ name, ports: s.ports }).toEqual({ name, ports: undefined });
      // a healthcheck either in compose or in the image's Dockerfile
      const inImage =
        s.build && readFileSync(join(ROOT, s.build.dockerfile), 'utf8').includes('HEALTHCHECK');
      expect({ name, healthcheck: Boolean(s.healthcheck || inImage) }).toEqual({
        name,
        healthcheck: true,
      });
    }
    const gpu = services['worker-gpu'];
    expect(gpu.profiles).toEqual(['gpu']);
    expect(gpu.deploy?.resources?.reservations?.devices?.[0]).toMatchObject({
      driver: 'nvidia',
      capabilities: ['gpu'],
    });
    expect(gpu.environment?.WHISPER_GPU).toBe('true');
    expect(gpu.volumes?.[0]).toMatch(/^whisper_models:\/models/);
    expect(services.redis.command?.join(' ')).toContain('--appendonly yes');
    expect(services.redis.command?.join(' ')).toContain('--maxmemory-policy noeviction');
    expect(services.server.volumes?.[0]).toMatch(/^audio_storage:\/data\/audio/);
    expect(services.postgres.volumes?.[0]).toMatch(/^postgres_data:/);
  });

  test('the CPU variant: same worker without the GPU reservation, on a plain Ubuntu base', () => {
    const cpu = config('cpu')['worker-cpu'];
    expect(cpu.profiles).toEqual(['cpu']);
    expect(cpu.deploy).toBeUndefined();
    expect(cpu.build?.args?.CUDA_IMAGE).toBe('ubuntu:24.04');
    expect(cpu.environment?.WHISPER_GPU).toBe('false');
  });

  test('the server configuration that compose builds from the generated .env passes the server checks', () => {
    const env = config('gpu').server.environment ?? {};
    const asStrings = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v ?? '']));
    const cfg = loadConfig(asStrings);
    expect(cfg.publicUrl).toBe('https://helpdesk.example.com');
    expect(cfg.trustProxy).toBe(1);
    expect(cfg.storageDir).toBe('/data/audio');
    expect(cfg.corsOrigins).toContain('chrome-extension://abcdefghijklmnopabcdefghijklmnop');
    expect(cfg.databaseUrl).toMatch(/^postgres:\/\/cwn:[0-9a-f]{48}@postgres:5432\/cwn$/);
  });

  test('a .env without a required secret is refused with a message naming the installer', () => {
    const broken = join(dir, 'broken.env');
    writeFileSync(broken, readFileSync(join(dir, '.env'), 'utf8').replace(/^MASTER_KEY=.*$/m, ''));
    const r = run(compose, ['--env-file', broken, '-f', 'docker-compose.yml', 'config']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('MASTER_KEY');
    expect(r.stderr).toContain('install-server.sh');
  });
});

describe('nginx config (nginx -t, then served by a real nginx)', () => {
  let nginx: string;
  let dir: string;
  const upstreams: Server[] = [];
  let httpPort = 0;
  let httpsPort = 0;

  /** A stand-in upstream that answers with its own name and the path it received. */
  async function upstream(name: string): Promise<number> {
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('strict-transport-security', 'max-age=1'); // like helmet: nginx must hide it
      res.end(JSON.stringify({ name, url: req.url, proto: req.headers['x-forwarded-proto'] }));
    });
    server.on('upgrade', (req, socket) => {
      socket.end(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      );
    });
    upstreams.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  async function freePort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address() as AddressInfo;
    await new Promise((r) => s.close(r));
    return port;
  }

  /** The shipped config with test paths, ports and upstreams; everything else unchanged. */
  function render(ports: { server: number; dashboard: number; pwa: number }): string {
    const out = join(dir, 'nginx');
    rmSync(out, { recursive: true, force: true });
    cpSync(join(ROOT, 'docker/nginx'), out, {
      recursive: true,
      filter: (p) => !p.includes('/certs'),
    });
    cpSync(join(dir, 'env/docker/nginx/certs'), join(out, 'certs'), { recursive: true });
    mkdirSync(join(out, 'run'), { recursive: true });
    const fix = (file: string, edit: (s: string) => string) =>
      writeFileSync(file, edit(readFileSync(file, 'utf8')));
    fix(join(out, 'nginx.conf'), (s) =>
      s
        // the temporary paths first: the sandbox itself lives under /tmp
        .replaceAll(' /tmp/', ` ${out}/run/`)
        .replaceAll('/etc/nginx/conf.d/', `${out}/conf.d/`)
        .replace('/dev/stdout', `${out}/run/access.log`),
    );
    fix(join(out, 'conf.d/cwn.conf'), (s) =>
      s
        .replaceAll('/etc/nginx/certs/', `${out}/certs/`)
        .replaceAll('/etc/nginx/snippets/', `${out}/snippets/`)
        .replace('listen 8080 ', `listen 127.0.0.1:${httpPort} `)
        .replace('listen 8443 ', `listen 127.0.0.1:${httpsPort} `)
        .replace('resolver 127.0.0.11', 'resolver 127.0.0.1')
        .replace(
          'set $cwn_server http://server:3000;',
          `set $cwn_server http://127.0.0.1:${ports.server};`,
        )
        .replace(
          'set $cwn_dashboard http://nuxt-dashboard:3000;',
          `set $cwn_dashboard http://127.0.0.1:${ports.dashboard};`,
        )
        .replace('set $cwn_pwa http://pwa:8080;', `set $cwn_pwa http://127.0.0.1:${ports.pwa};`),
    );
    return out;
  }

  function nginxTest(conf: string): Run {
    return run(nginx, ['-e', 'stderr', '-t', '-p', `${dirOf(conf)}/`, '-c', conf]);
  }
  const dirOf = (f: string) => f.slice(0, f.lastIndexOf('/'));

  beforeAll(async () => {
    nginx = requireTool('nginx', 'nginx');
    dir = sandbox('nginx');
    mkdirSync(join(dir, 'env'));
    const r = installEnvOnly(join(dir, 'env'), '--domain', 'localhost', '--cpu');
    if (r.status !== 0) throw new Error(`install-server.sh --env-only failed:\n${r.stderr}`);
    httpPort = await freePort();
    httpsPort = await freePort();
  });

  /** Starts nginx in the foreground on a rendered prefix and waits until `probe` answers. */
  async function startNginx(prefix: string, probe: string): Promise<ChildProcess> {
    const proc = spawn(
      nginx,
      ['-e', 'stderr', '-p', `${prefix}/`, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    masters.push(proc);
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; i < 50; i++) {
      if (proc.exitCode !== null) break;
      const up = await fetch(probe, { redirect: 'manual' }).then(
        () => true,
        () => false,
      );
      if (up) return proc;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`nginx did not start on ${probe}: ${stderr}`);
  }
  const masters: ChildProcess[] = [];

  afterAll(async () => {
    for (const proc of masters) {
      if (proc.exitCode !== null) continue;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGQUIT');
      await exited;
    }
    await Promise.all(upstreams.map((s) => new Promise((r) => s.close(r))));
  });

  test('nginx -t accepts the config; it rejects a broken copy (the check can fail)', () => {
    const out = render({ server: 1, dashboard: 2, pwa: 3 });
    const good = nginxTest(join(out, 'nginx.conf'));
    expect(good.stderr).toContain('test is successful');
    expect(good.status).toBe(0);
    writeFileSync(join(out, 'conf.d/broken.conf'), 'server { listen 1 ssl; proxy_pass; }\n');
    expect(nginxTest(join(out, 'nginx.conf')).status).not.toBe(0);
    rmSync(out, { recursive: true });
  });

  test("the PWA image's static config: SPA fallback, long cache for hashed assets, none for the service worker", async () => {
    const out = join(dir, 'pwa');
    const html = join(out, 'html');
    mkdirSync(join(html, 'assets'), { recursive: true });
    writeFileSync(join(html, 'index.html'), '<!doctype html><title>pwa</title>');
    writeFileSync(join(html, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(html, 'assets/index-Ab12Cd.js'), 'console.log(1);');
    // nginx's workers drop root (to nobody) when the test runs as root: they must read the files
    for (const d of [dir, out, html, join(html, 'assets')]) chmodSync(d, 0o755);
    const port = await freePort();
    const site = readFileSync(join(ROOT, 'docker/pwa/static.conf'), 'utf8')
      .replace('listen 8080', `listen 127.0.0.1:${port}`)
      .replace('/usr/share/nginx/html', html);
    writeFileSync(
      join(out, 'nginx.conf'),
      [
        `pid ${out}/nginx.pid;`,
        `error_log stderr warn;`,
        'events {}',
        'http {',
        'include /etc/nginx/mime.types;',
        `access_log off; client_body_temp_path ${out}/body; proxy_temp_path ${out}/proxy;`,
        `fastcgi_temp_path ${out}/fcgi; uwsgi_temp_path ${out}/uwsgi; scgi_temp_path ${out}/scgi;`,
        site,
        '}',
      ].join('\n'),
    );
    const r = nginxTest(join(out, 'nginx.conf'));
    expect(r.stderr).toContain('test is successful');
    expect(r.status).toBe(0);

    await startNginx(out, `http://127.0.0.1:${port}/`);
    const page = await fetch(`http://127.0.0.1:${port}/inbox/42`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>pwa</title>');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const sw = await fetch(`http://127.0.0.1:${port}/sw.js`);
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    expect(sw.headers.get('content-type')).toContain('javascript');
    const asset = await fetch(`http://127.0.0.1:${port}/assets/index-Ab12Cd.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // a missing asset is a 404, never index.html served as JavaScript
    expect((await fetch(`http://127.0.0.1:${port}/assets/gone-1234.js`)).status).toBe(404);
  });

  test('upload limit covers MAX_RECORDING_SECONDS of 16 kHz stereo s16 and only for the upload', () => {
    const conf = readFileSync(join(ROOT, 'docker/nginx/conf.d/cwn.conf'), 'utf8');
    const upload = /location = \/api\/upload-recording \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    const mib = Number(/client_max_body_size (\d+)m;/.exec(upload)?.[1]);
    const maxWavBytes = 14_400 * 16_000 * 2 * 2 + 44;
    expect(mib * 1024 * 1024).toBeGreaterThanOrEqual(maxWavBytes);
    expect(mib * 1024 * 1024).toBeLessThan(maxWavBytes * 1.1);
    expect(upload).toContain('proxy_request_buffering off');
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain("MAX_RECORDING_SECONDS: '14400'");
  });

  test('routes: TLS with HSTS, 80 → 443, /api and /socket.io to the server, /tv to Nuxt, / to the PWA, /internal and /metrics never', async () => {
    const out = render({
      server: await upstream('server'),
      dashboard: await upstream('dashboard'),
      pwa: await upstream('pwa'),
    });
    await startNginx(out, `http://127.0.0.1:${httpPort}/`);

    type Answer = {
      status: number;
      headers: Record<string, string | string[] | undefined>;
      body: string;
    };
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<Answer>((resolveAnswer, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: httpsPort,
            path,
            headers: { host: 'localhost', ...headers },
            rejectUnauthorized: false,
          },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () =>
              resolveAnswer({ status: res.statusCode ?? 0, headers: res.headers, body }),
            );
          },
        );
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolveAnswer({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
        });
        req.setTimeout(5_000, () => req.destroy(new Error(`no answer for ${path} within 5 s`)));
        req.on('error', reject);
        req.end();
      });

    const api = await get('/api/auth/me?x=1');
    expect(JSON.parse(api.body)).toEqual({
      name: 'server',
      url: '/api/auth/me?x=1',
      proto: 'https',
    });
    expect(api.headers['strict-transport-security']).toBe('max-age=63072000');
    expect(JSON.parse((await get('/tv')).body).name).toBe('dashboard');
    expect(JSON.parse((await get('/admin/users')).body).name).toBe('dashboard');
    expect(JSON.parse((await get('/_nuxt/app.js')).body).name).toBe('dashboard');
    expect(JSON.parse((await get('/')).body).name).toBe('pwa');
    expect(JSON.parse((await get('/inbox/42')).body).name).toBe('pwa');
    expect(JSON.parse((await get('/readyz')).body).name).toBe('server');
    for (const hidden of ['/internal/recordings/1/audio', '/internal', '/metrics']) {
      expect({ hidden, status: (await get(hidden)).status }).toEqual({ hidden, status: 404 });
    }
    const ws = await get('/socket.io/?EIO=4&transport=websocket', {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': randomBytes(16).toString('base64'),
    });
    expect(ws.status).toBe(101);

    const plain = await new Promise<{ status: number; location?: string }>(
      (resolvePlain, reject) => {
        httpRequest(
          {
            host: '127.0.0.1',
            port: httpPort,
            path: '/tv?a=1',
            headers: { host: 'helpdesk.example.com' },
          },
          (res) => {
            res.resume();
            resolvePlain({ status: res.statusCode ?? 0, location: res.headers.location });
          },
        )
          .on('error', reject)
          .end();
      },
    );
    expect(plain).toEqual({ status: 301, location: 'https://helpdesk.example.com/tv?a=1' });
  });
});

describe('backup.sh → restore.sh round trip (local PostgreSQL and storage folder)', () => {
  const suffix = `${Date.now().toString(36)}_${process.pid}`;
  const sourceDb = `cwn_backup_src_${suffix}`;
  const targetDb = `cwn_backup_dst_${suffix}`;
  const dbUrl = (name: string) => {
    const u = new URL(ADMIN_DB_URL);
    u.pathname = `/${name}`;
    return u.toString();
  };
  let dir: string;
  let psql: string;

  const sql = (db: string, query: string) =>
    ok(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-t', '-A', '-d', dbUrl(db), '-c', query]);

  function tableDump(db: string): string {
    const tables = sql(db, "select tablename from pg_tables where schemaname = 'public' order by 1")
      .trim()
      .split('\n');
    return tables
      .map((t) => `${t}:\n${sql(db, `copy (select * from "${t}" order by 1) to stdout`)}`)
      .join('\n');
  }

  function checksums(folder: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out[relative(folder, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
      }
    };
    walk(folder);
    return out;
  }

  beforeAll(() => {
    psql = requireTool('psql', 'postgresql-client');
    requireTool('pg_dump', 'postgresql-client');
    requireTool('pg_restore', 'postgresql-client');
    requireTool('gpg', 'gnupg');
    const reach = run(psql, ['-X', '-q', '-d', ADMIN_DB_URL, '-c', 'select 1']);
    if (reach.status !== 0) {
      throw new Error(
        `PostgreSQL is unreachable at ${ADMIN_DB_URL} (npm test starts it): ${reach.stderr}`,
      );
    }
    sql('postgres', `create database "${sourceDb}"`);
    sql('postgres', `create database "${targetDb}"`);
    sql(
      sourceDb,
      `create table calls (id bigserial primary key, caller text, started_at timestamptz not null,
         meta jsonb, duration numeric(10,3), flags boolean[]);
       create table recordings (id uuid primary key, call_id bigint not null references calls(id),
         wrapped_key bytea not null, bytes bigint);
       insert into calls (caller, started_at, meta, duration, flags)
         select case when i % 7 = 0 then null else '+49 30 ' || i || ' Müller ☎' end,
                '2026-11-25 10:00:00+00'::timestamptz + i * interval '1 minute',
                jsonb_build_object('n', i, 'tags', jsonb_build_array('a', i)), i * 1.5, array[i % 2 = 0, true]
         from generate_series(1, 500) i;
       insert into recordings select md5(i::text)::uuid, i, decode(md5(i::text) || '00ff', 'hex'), i * 64000
         from generate_series(1, 500) i;`,
    );
    dir = sandbox('backup');
    const storage = join(dir, 'storage');
    mkdirSync(join(storage, 'ab/cd'), { recursive: true });
    writeFileSync(join(storage, 'ab/cd/0001.enc'), randomBytes(300_000));
    writeFileSync(join(storage, 'ab/a file with spaces.enc'), randomBytes(1234));
    writeFileSync(join(storage, 'empty.enc'), Buffer.alloc(0));
    writeFileSync(
      join(dir, 'env'),
      'MASTER_KEY=c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=\nPUBLIC_URL=https://x\n',
    );
    writeFileSync(join(dir, 'passphrase'), 'correct horse battery staple\n');
  });

  afterAll(() => {
    if (!psql) return;
    for (const db of [sourceDb, targetDb])
      run(psql, [
        '-X',
        '-q',
        '-d',
        ADMIN_DB_URL,
        '-c',
        `drop database if exists "${db}" with (force)`,
      ]);
  });

  function backup(...extra: string[]): string {
    const out = ok('bash', [
      BACKUP,
      '--database-url',
      dbUrl(sourceDb),
      '--storage-dir',
      join(dir, 'storage'),
      '--env-file',
      join(dir, 'env'),
      '--out',
      join(dir, 'backups'),
      ...extra,
    ]);
    return out.trim().split('\n').pop() ?? '';
  }

  test('restores identical rows, sequences, files and .env; refuses to overwrite without --yes', () => {
    const archive = backup();
    expect(archive).toMatch(/cwn-backup-\d{8}T\d{6}Z\.tar$/);
    expect(statSync(archive).mode & 0o777).toBe(0o600);

    const restoreArgs = [
      RESTORE,
      archive,
      '--database-url',
      dbUrl(targetDb),
      '--storage-dir',
      join(dir, 'restored'),
      '--env-file',
      join(dir, 'restored.env'),
    ];
    ok('bash', restoreArgs);
    expect(tableDump(targetDb)).toBe(tableDump(sourceDb));
    expect(tableDump(targetDb)).toContain('Müller ☎');
    expect(sql(targetDb, "select nextval('calls_id_seq')")).toBe(
      sql(sourceDb, "select nextval('calls_id_seq')"),
    );
    expect(checksums(join(dir, 'restored'))).toEqual(checksums(join(dir, 'storage')));
    expect(Object.keys(checksums(join(dir, 'restored')))).toHaveLength(3);
    expect(readFileSync(join(dir, 'restored.env'), 'utf8')).toBe(
      readFileSync(join(dir, 'env'), 'utf8'),
    );

    // a second restore over the data is refused without --yes, and nothing changes
    sql(targetDb, "insert into calls (caller, started_at) values ('kept', now())");
    const refused = run('bash', restoreArgs);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('--yes');
    expect(sql(targetDb, "select count(*) from calls where caller = 'kept'").trim()).toBe('1');

    // with --yes the data is replaced, and the replaced folder is kept beside it
    ok('bash', [...restoreArgs, '--yes']);
    expect(tableDump(targetDb)).toBe(tableDump(sourceDb));
    expect(readdirSync(dir).filter((f) => f.startsWith('restored.before-restore-'))).toHaveLength(
      1,
    );
  });

  test('an encrypted archive restores with its passphrase and not without it', () => {
    const archive = backup('--passphrase-file', join(dir, 'passphrase'));
    expect(archive).toMatch(/\.tar\.gpg$/);
    expect(readFileSync(archive).includes(Buffer.from('MASTER_KEY'))).toBe(false);
    const target = join(dir, 'restored-gpg');
    const args = [
      RESTORE,
      archive,
      '--database-url',
      dbUrl(targetDb),
      '--storage-dir',
      target,
      '--yes',
    ];
    const without = run('bash', args);
    expect(without.status).not.toBe(0);
    expect(without.stderr).toContain('--passphrase-file');
    ok('bash', [...args, '--passphrase-file', join(dir, 'passphrase')]);
    expect(checksums(target)).toEqual(checksums(join(dir, 'storage')));
  });

  test('a damaged archive is refused before anything is restored; --keep prunes old archives', () => {
    // Two archives older than any this run made (the listing goes by modification time).
    const backups = join(dir, 'backups');
    mkdirSync(backups, { recursive: true });
    const old = ['cwn-backup-20000101T000000Z.tar', 'cwn-backup-20010101T000000Z.tar'];
    old.forEach((name, i) => {
      writeFileSync(join(backups, name), 'old');
      utimesSync(
        join(backups, name),
        new Date(Date.UTC(2000 + i, 0, 1)),
        new Date(Date.UTC(2000 + i, 0, 1)),
      );
    });
    const archive = backup('--keep', '2');
    const bytes = readFileSync(archive);
    // flip one byte inside the data of the audio.tar member (its tar header starts a 512-byte block)
    let header = -1;
    for (let o = 0; o < bytes.length && header < 0; o += 512) {
      if (bytes.subarray(o, o + 10).equals(Buffer.from('audio.tar\0'))) header = o;
    }
    expect(header).toBeGreaterThan(0);
    bytes[header + 512 + 2000] ^= 0xff;
    const damaged = join(dir, 'damaged.tar');
    writeFileSync(damaged, bytes);
    sql(targetDb, "insert into calls (caller, started_at) values ('still here', now())");
    const r = run('bash', [
      RESTORE,
      damaged,
      '--database-url',
      dbUrl(targetDb),
      '--storage-dir',
      join(dir, 'never'),
      '--yes',
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('damaged');
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect(sql(targetDb, "select count(*) from calls where caller = 'still here'").trim()).toBe(
      '1',
    );
    // The new archive and the newest before it are left; the oldest is gone.
    const left = readdirSync(backups);
    expect(left).toHaveLength(2);
    expect(left).toContain(basename(archive));
    expect(left).not.toContain(old[0]);
  });
});
