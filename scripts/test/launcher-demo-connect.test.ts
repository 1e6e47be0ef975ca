/**
 * The NinjaOne "Connect" round trip as `npm start` wires it: the real server with the launcher's
 * PUBLIC_URL, the dashboard's own server (nuxt-dashboard/bin/serve.mjs, a stand-in page for the
 * built dashboard) forwarding /api to it, and the NinjaOne simulator's CLI with the launcher's
 * arguments. The browser must come back to the dashboard's /admin/ninjaone, not the API's port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NinjaOneConnectResponse } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { migratedDatabase } from '@cwn/test-support/services';
import { launcherPublicUrl, ninjaOneSimArgs } from '../src/launcher/urls';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '@cwn/ninjaone-sim';

jest.setTimeout(60_000);

const root = join(__dirname, '..', '..');
const STAND_IN = '<!doctype html><title>cwn dashboard stand-in</title>';
let t: TestApp;
let db: Awaited<ReturnType<typeof migratedDatabase>> | undefined;
let work: string;
const children: ChildProcess[] = [];
let dashboardPort: number;
let simPort: number;
let publicUrl: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a child and resolves once a line of its stdout matches. */
function startChild(args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let log = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      log += d;
      if (ready.test(log)) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (log += d));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}):\n${log}`)));
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cwn-launcher-'));
  writeFileSync(join(work, '200.html'), STAND_IN);
  dashboardPort = await freePort();
  simPort = await freePort();
  publicUrl = launcherPublicUrl({}, dashboardPort);
  // A database of its own: the NinjaOne settings it connects are global, and the simulator they
  // point at is stopped at the end (other files' NinjaOne routes would then answer 503).
  db = await migratedDatabase('launcher');
  t = await startTestApp({ PUBLIC_URL: publicUrl, DATABASE_URL: db.url });
  await startChild(
    ['--import', 'tsx', 'simulators/ninjaone/src/cli.ts', ...ninjaOneSimArgs(simPort, publicUrl)],
    /listening on/,
  );
  await startChild(
    [
      'nuxt-dashboard/bin/serve.mjs',
      '--port',
      String(dashboardPort),
      '--api',
      t.url(),
      '--dir',
      work,
      '--fallback',
      '200.html',
    ],
    /dashboard on/,
  );
});

afterAll(async () => {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((r) => {
          if (c.exitCode !== null || c.signalCode !== null) return r();
          c.once('exit', () => r());
          c.kill('SIGTERM');
        }),
    ),
  );
  await t?.close();
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

it('brings the browser back from NinjaOne to the dashboard’s admin page, connected', async () => {
  expect(new URL(publicUrl).port).toBe(String(dashboardPort));
  const { accessToken } = await t.userWithRole('admin');
  // everything as the browser does it: through the dashboard's origin
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${publicUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        ...init.headers,
      },
    });
  const put = await api('/api/settings/ninjaone', {
    method: 'PUT',
    body: JSON.stringify({
      region: 'custom',
      baseUrl: `http://127.0.0.1:${simPort}`,
      authMode: 'authorization_code',
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
    }),
  });
  expect(put.status).toBe(200);
  const start = await api('/api/ninjaone/connect');
  expect(start.status).toBe(200);
  const authorizeUrl = NinjaOneConnectResponse.parse(await start.json()).authorizeUrl;

  const signIn = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(signIn.status).toBe(302);
  const callback = new URL(signIn.headers.get('location')!);
  expect(callback.origin + callback.pathname).toBe(`${publicUrl}/api/ninjaone/callback`);

  const back = await fetch(callback, { redirect: 'manual' });
  expect(back.status).toBe(302);
  const landing = back.headers.get('location')!;
  expect(landing).toBe(`${publicUrl}/admin/ninjaone?connected=1`);
  const page = await fetch(landing);
  expect(page.status).toBe(200);
  expect(await page.text()).toBe(STAND_IN);
});
