/**
 * End-to-end harness: the built extension in Debian's Chromium (playwright-core, headless, a
 * persistent profile), the fake 3CX web client, and the REAL server (createApp) on ephemeral ports.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { startFake3cx, type Fake3cx, type FakeCall } from '@cwn/fake-3cx';
import { startTestApp, TEST_PASSWORD, uniqueEmail, type TestApp } from './app';
import { deleteRedisPrefix, migratedDatabase } from './services';

export const CHROMIUM = process.env.CWN_CHROMIUM ?? '/usr/bin/chromium';
export const AGENT_HZ = 1000;
export const CALLER_HZ = 440;

/**
 * A TCP relay in front of the server that can be switched off and on again on the same port: to
 * the extension the server is unreachable (connection refused), as when it or the network is down.
 */
export interface Relay {
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server!.address() as { port: number }).port;
  };
  const down = async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = null;
  };
  await listen();
  return { url: `http://127.0.0.1:${port}`, down, up: listen, close: down };
}

export interface Harness {
  relay: Relay;
  server: TestApp;
  fake: Fake3cx;
  ctx: BrowserContext;
  extensionId: string;
  agentEmail: string;
  worker(): Promise<Worker>;
  /** Closes Chromium and starts it again on the same profile (a browser restart). */
  restartBrowser(): Promise<void>;
  close(): Promise<void>;
}

let built: string | null = null;
/** A build outside a test run's directory, removed when the harness closes. */
let ownBuild: string | null = null;
/** Where WXT puts the unpacked extension inside its outDir (wxt.config.ts outDirTemplate). */
export const EXTENSION_OUT_SUBDIR = 'chrome-mv3';
export const EXTENSION_ROOT = join(__dirname, '../../extension');

/**
 * Runs `fn` while holding a lock on this checkout's extension build: WXT writes its generated
 * files into extension/.wxt, so test files that build at the same time take turns.
 */
function withBuildLock<T>(fn: () => T): T {
  const lock = join(
    tmpdir(),
    `cwn-wxt-build-${createHash('sha256').update(EXTENSION_ROOT).digest('hex').slice(0, 12)}.lock`,
  );
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // just created, pid not written yet
      }
      if (holder && !processAlive(holder)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`extension build lock ${lock} held too long`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the extension with WXT (`wxt build`, the production build with the loopback hosts
 * granted: CWN_EXTENSION_LOOPBACK=1) once per test run: into the run's temporary directory (the
 * global teardown removes it), which every later test file of the run loads as it is (a build is
 * ~8 s of CPU, and ten files built one each). Outside a jest run (a benchmark), into a folder of
 * its own that the harness's close removes.
 */
export async function buildExtensionOnce(): Promise<string> {
  if (built) return built;
  const run = process.env.CWN_TEST_TMP_DIR;
  // The one build input that can differ between files of a run.
  const key = createHash('sha256')
    .update(process.env.CWN_EXTENSION_HOSTS ?? '')
    .digest('hex')
    .slice(0, 12);
  const outBase = run
    ? join(run, `extension-build-${key}`)
    : mkdtempSync(join(tmpdir(), 'cwn-ext-build-'));
  const complete = join(outBase, '.complete');
  // wxt is an ES module; jest's CommonJS runtime runs its build API in a child process.
  const script = `const { build } = await import('wxt'); await build({ root: ${JSON.stringify(EXTENSION_ROOT)}, outDir: ${JSON.stringify(outBase)} });`;
  withBuildLock(() => {
    // Another file of this run built it already (the lock makes the others wait for it).
    if (existsSync(complete)) return;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: EXTENSION_ROOT,
      env: { ...process.env, NODE_ENV: 'production', CWN_EXTENSION_LOOPBACK: '1', CI: '1' },
      encoding: 'utf8',
    });
    if (r.status !== 0)
      throw new Error(`wxt build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    writeFileSync(complete, '');
  });
  built = join(outBase, EXTENSION_OUT_SUBDIR);
  ownBuild = run ? null : outBase;
  return built;
}
/**
 * The store package (`wxt zip`: production manifest, no loopback hosts) in a folder of its own;
 * returns the zip's path. The caller removes `dir`.
 */
export function zipExtension(): { dir: string; zip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cwn-ext-zip-'));
  const script = `const { zip } = await import('wxt'); const [file] = await zip({ root: ${JSON.stringify(EXTENSION_ROOT)}, outDir: ${JSON.stringify(dir)} }); console.log('ZIP=' + file);`;
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', CI: '1' };
  delete env.CWN_EXTENSION_LOOPBACK;
  delete env.CWN_EXTENSION_HOSTS;
  const out = withBuildLock(() =>
    spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: EXTENSION_ROOT,
      env,
      encoding: 'utf8',
    }),
  );
  const zip = /ZIP=(.+)/.exec(out.stdout)?.[1];
  if (out.status !== 0 || !zip)
    throw new Error(`wxt zip failed (exit ${out.status}):\n${out.stdout}\n${out.stderr}`);
  return { dir, zip };
}

function agentTone(dir: string): string {
  const file = join(dir, 'agent-mic.wav');
  execFileSync('sox', [
    '-n',
    '-r',
    '48000',
    '-c',
    '1',
    '-b',
    '16',
    file,
    'synth',
    '120',
    'sine',
    String(AGENT_HZ),
    'vol',
    '0.5',
  ]);
  return file;
}

/** Chromium's id for an unpacked extension: sha256 of its absolute path, hex digits mapped to a–p. */
export function unpackedExtensionId(dir: string): string {
  const hex = createHash('sha256').update(dir).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

export interface HarnessOptions {
  /** Lets chrome.tabCapture work without a click on the action (`--allowlisted-extension-id`). */
  allowTabCapture?: boolean;
  /** Server settings on top of the test defaults (e.g. its own DATABASE_URL, CORS_ORIGINS). */
  serverEnv?: Record<string, string>;
  /** A WAV the agent's microphone plays (in a loop) instead of the tone. */
  agentMicFile?: string;
  /** A WAV the caller plays (in a loop) instead of the tone. */
  callerAudioFile?: string;
  /**
   * A database and Redis prefix of its own: NinjaOne settings are global and every server consumes
   * the tickets queue, so a test that configures NinjaOne must not share them with other files.
   */
  ownDatabase?: boolean;
  /** The browser's UI language (`--lang`): what chrome.i18n picks the extension's strings by. */
  lang?: string;
  /**
   * Stream calls live (storage.local `cwn-live-enabled: true`, as the options page's switch does;
   * off by default, decision 0502). Written `false` unless asked, so that the tests written for the
   * whole-call upload (its call states, its outage handling) keep checking that path.
   */
  live?: boolean;
}

async function ownDatabase() {
  const db = await migratedDatabase('extension');
  const prefix = `${process.env.CWN_TEST_REDIS_PREFIX}-ext-${randomBytes(4).toString('hex')}`;
  return {
    env: { DATABASE_URL: db.url, REDIS_PREFIX: prefix },
    async drop() {
      await db.drop();
      await deleteRedisPrefix(prefix);
    },
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: run scripts/ensure-deps.sh (apt-get install chromium)`,
    );
  const extDir = await buildExtensionOnce();
  const work = mkdtempSync(join(tmpdir(), 'cwn-e2e-'));
  const own = options.ownDatabase ? await ownDatabase() : null;
  const server = await startTestApp({ ...(own?.env ?? {}), ...options.serverEnv });
  const agentEmail = uniqueEmail('agent');
  await server.services.users.create({
    email: agentEmail,
    password: TEST_PASSWORD,
    role: 'agent',
    displayName: 'Agent',
  });
  const relay = await startRelay(Number(new URL(server.url()).port));
  const fake = await startFake3cx({
    callerToneHz: CALLER_HZ,
    keepAliveMs: 2000,
    ...(options.callerAudioFile ? { callerAudioFile: options.callerAudioFile } : {}),
  });
  const mic = options.agentMicFile ?? agentTone(work);
  const launch = async () => {
    const context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      ignoreDefaultArgs: ['--mute-audio'],
      args: [
        ...(options.lang ? [`--lang=${options.lang}`] : []),
        `--disable-extensions-except=${extDir}`,
        `--load-extension=${extDir}`,
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${mic}`,
        '--autoplay-policy=no-user-gesture-required',
        ...(options.allowTabCapture
          ? [`--allowlisted-extension-id=${unpackedExtensionId(extDir)}`]
          : []),
      ],
    });
    await context.grantPermissions(['microphone'], { origin: fake.origin });
    return context;
  };
  const ctx = await launch();
  const worker = async () => {
    const w = h.ctx.serviceWorkers().find((s) => s.url().startsWith('chrome-extension://'));
    return w ?? h.ctx.waitForEvent('serviceworker', { timeout: 15_000 });
  };
  const firstWorker =
    ctx.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ??
    (await ctx.waitForEvent('serviceworker', { timeout: 15_000 }));
  await firstWorker.evaluate(
    ([key, on]) =>
      (
        globalThis as unknown as {
          chrome: { storage: { local: { set(v: object): Promise<void> } } };
        }
      ).chrome.storage.local.set({ [key]: on }),
    ['cwn-live-enabled', options.live === true] as const,
  );
  const extensionId = new URL(firstWorker.url()).host;
  if (extensionId !== unpackedExtensionId(extDir))
    throw new Error(`unexpected extension id ${extensionId}`);
  const h: Harness = {
    relay,
    server,
    fake,
    ctx,
    extensionId,
    agentEmail,
    worker,
    async restartBrowser() {
      await h.ctx.close();
      h.ctx = await launch();
    },
    async close() {
      await h.ctx.close().catch(() => undefined);
      await fake.close();
      await relay.close();
      await server.close();
      await own?.drop();
      rmSync(work, { recursive: true, force: true });
      if (ownBuild) {
        rmSync(ownBuild, { recursive: true, force: true });
        built = null;
        ownBuild = null;
      }
    },
  };
  return h;
}

/** Sets the URLs and logs in through the options page, as an agent would. */
export async function configureThroughOptions(h: Harness): Promise<void> {
  const page = await h.ctx.newPage();
  await page.goto(`chrome-extension://${h.extensionId}/options/options.html`);
  await page.fill('#server-url', h.relay.url);
  await page.fill('#pbx-url', `${h.fake.origin}/webclient/`);
  await page.click('#settings button[type=submit]');
  await page.waitForFunction(() => document.getElementById('settings-status')?.textContent, null, {
    timeout: 10_000,
  });
  const saved = await page.textContent('#settings-status');
  if (!saved?.startsWith('Saved.')) throw new Error(`options not saved: ${saved}`);
  await page.fill('#email', h.agentEmail);
  await page.fill('#password', TEST_PASSWORD);
  await page.click('#login button[type=submit]');
  await page.waitForFunction(() => document.getElementById('login-status')?.textContent, null, {
    timeout: 10_000,
  });
  const loggedIn = await page.textContent('#login-status');
  if (loggedIn !== 'Logged in.') throw new Error(`login failed: ${loggedIn}`);
  await page.close();
  const sw = await h.worker();
  await waitFor(
    async () =>
      (await sw.evaluate(() => chrome.scripting.getRegisteredContentScripts())).length === 2,
    'content scripts registered',
  );
}

export async function waitFor(
  check: () => Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      if (await check()) return;
      lastError = null;
    } catch (err) {
      // e.g. the service worker was just stopped; it comes back on the next event.
      lastError = err;
    }
    if (Date.now() > deadline) {
      const label = typeof what === 'string' ? what : what();
      throw new Error(
        `timed out waiting for: ${label}${lastError ? ` (last error: ${String(lastError)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function openWebClient(h: Harness, query = ''): Promise<Page> {
  const page = await h.ctx.newPage();
  page.on('console', (m) => {
    if (process.env.CWN_E2E_DEBUG) console.log(`[page] ${m.text()}`);
  });
  await page.goto(`${h.fake.origin}/webclient/${query}#/people`);
  await page.waitForSelector('#push-state[data-state=open]', { timeout: 15_000 });
  return page;
}

/** Stops the extension's service worker, as Chromium does after 30 s idle or under memory pressure. */
export async function stopServiceWorker(h: Harness, page: Page): Promise<void> {
  const cdp = await h.ctx.newCDPSession(page);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await cdp.detach();
}

/** Places an inbound call, answers it, waits, hangs up (with `during` run in the middle). */
export async function talk(
  h: Harness,
  page: Page,
  number: string,
  name: string,
  seconds: number,
  during?: (call: FakeCall) => Promise<void>,
) {
  const call = h.fake.placeInboundCall(number, name);
  await page.click(`#call-${call.connectionId} .btn-answer`);
  await page.waitForSelector(`#call-${call.connectionId}[data-state=connected]`);
  const half = (seconds * 1000) / 2;
  await new Promise((r) => setTimeout(r, half));
  await during?.(call);
  await new Promise((r) => setTimeout(r, half));
  await page.click(`#call-${call.connectionId} .btn-hang-up`);
  return call;
}

export type UploadRow = {
  id: string;
  status: string;
  lastError: string | null;
  sha256: string | null;
  serverRecordingId: string | null;
  serverCallId: string | null;
  hasWav: boolean;
  call: { pbxCallId: string | null; pcIds: string[] };
};

/** Waits until the upload item of a call (by its 3CX call id) matches `done`. */
export async function waitForUpload(
  h: Harness,
  pbxCallId: number,
  done: (row: UploadRow) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<UploadRow> {
  let row: UploadRow | undefined;
  await waitFor(
    async () => {
      row = (await uploadItems(h)).find((i) => i.call.pbxCallId === String(pbxCallId));
      return !!row && done(row);
    },
    () => `${what} (last seen: ${JSON.stringify(row ?? null)})`,
    timeoutMs,
  );
  return row!;
}

/** Upload items as the extension stores them (read straight from its IndexedDB). */
export async function uploadItems(h: Harness): Promise<UploadRow[]> {
  const sw = await h.worker();
  return sw.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('cwn-extension');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('uploads')) return resolve([]);
          const req = db.transaction('uploads').objectStore('uploads').getAll();
          req.onsuccess = () =>
            resolve(
              (req.result as (UploadRow & { wav: ArrayBuffer | null })[]).map(
                ({ wav, ...rest }) => ({ ...rest, hasWav: !!wav }),
              ),
            );
          req.onerror = () => reject(req.error);
        };
      }),
  );
}

/** What the server stored: the call (GET /api/calls/:id) and the decrypted audio, as an admin sees them. */
export async function serverRecording(
  h: Harness,
  recordingId: string,
  callId: string,
): Promise<{ call: Record<string, unknown>; wav: Buffer }> {
  const admin = await h.server.userWithRole('admin');
  const auth = `Bearer ${admin.accessToken}`;
  const call = await h.server.http.get(`/api/calls/${callId}`).set('Authorization', auth);
  if (call.status !== 200)
    throw new Error(`GET /api/calls/${callId}: ${call.status} ${JSON.stringify(call.body)}`);
  const audio = await h.server.http
    .get(`/api/recordings/${recordingId}/audio`)
    .set('Authorization', auth)
    .buffer(true)
    .parse((res, cb) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => cb(null, Buffer.concat(parts)));
    });
  if (audio.status !== 200)
    throw new Error(`GET /api/recordings/${recordingId}/audio: ${audio.status}`);
  return { call: (call.body as { call: Record<string, unknown> }).call, wav: audio.body as Buffer };
}

/** The WAV of one upload item as stored locally, base64 through the worker. */
export async function localWav(h: Harness, id: string): Promise<Buffer | null> {
  const sw = await h.worker();
  const b64 = await sw.evaluate(
    (key) =>
      new Promise<string | null>((resolve, reject) => {
        const open = indexedDB.open('cwn-extension');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('uploads').objectStore('uploads').get(key);
          req.onsuccess = () => {
            const wav = (req.result as { wav: ArrayBuffer | null } | undefined)?.wav;
            if (!wav) return resolve(null);
            const bytes = new Uint8Array(wav);
            let s = '';
            for (let i = 0; i < bytes.length; i += 0x8000)
              s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
            resolve(btoa(s));
          };
        };
      }),
    id,
  );
  return b64 ? Buffer.from(b64, 'base64') : null;
}
