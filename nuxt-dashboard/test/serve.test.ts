import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { startTestApp, type TestApp } from '@cwn/test-support/app';

const ENV = {
  DATABASE_URL: process.env.CWN_DASHBOARD_TEST_DATABASE_URL ?? '',
  REDIS_PREFIX: `${process.env.CWN_DASHBOARD_TEST_REDIS_PREFIX}-serve`,
};
let t: TestApp;
let serve: ChildProcess;
let base: string;

beforeAll(async () => {
  t = await startTestApp(ENV);
  serve = spawn(process.execPath, [
    join(__dirname, '..', 'bin', 'serve.mjs'),
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--api',
    t.url(),
  ]);
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    serve.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /dashboard on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    serve.once('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
  });
});
afterAll(async () => {
  serve?.kill('SIGTERM');
  await t?.close();
});

describe('bin/serve.mjs (npm start serves the dashboard with it)', () => {
  it('serves the app with the SPA fallback and forwards the API and Socket.IO to the server', async () => {
    for (const path of ['/', '/tv', '/admin/users/unknown-deep-link']) {
      const res = await fetch(base + path);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<div id="__nuxt">');
    }
    const openapi = await fetch(`${base}/api/openapi.json`);
    expect(openapi.status).toBe(200);
    expect((await openapi.json()).openapi).toMatch(/^3\.1/);

    const { accessToken } = await t.userWithRole('supervisor');
    const s = connect(base, {
      auth: { token: accessToken },
      transports: ['websocket'],
      reconnection: false,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        s.once('connect', resolve);
        s.once('connect_error', reject);
      });
    } finally {
      s.disconnect();
    }
  });
});
