import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { DatabaseError } from 'sequelize';
import request from 'supertest';
import { isDatabaseUnavailable } from '../src/db/unavailable';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { callMeta, idemKey, makeWav, sha256 } from '@cwn/test-support/recording-fixtures';

/**
 * A TCP relay to the run's PostgreSQL: "the database goes away" is the relay cutting every
 * connection and refusing new ones, which leaves the shared PostgreSQL itself alone.
 */
async function relayTo(target: URL): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const realUrl = () => new URL(process.env.CWN_TEST_DATABASE_URL!);

describe('PostgreSQL unreachable', () => {
  let t: TestApp;
  let relay: Awaited<ReturnType<typeof relayTo>>;
  let direct: Client;
  beforeAll(async () => {
    relay = await relayTo(realUrl());
    const viaRelay = realUrl();
    viaRelay.port = String(relay.port);
    t = await startTestApp({ DATABASE_URL: viaRelay.toString() });
    direct = new Client({ connectionString: realUrl().toString() });
    direct.on('error', () => undefined);
    await direct.connect();
  });
  afterAll(async () => {
    await direct.end();
    await relay.cut().catch(() => undefined);
    await t.close();
  });

  it('a database that goes away mid-request: 503 with Retry-After, and nothing half-stored', async () => {
    const agent = await t.userWithRole('agent');
    const ok = await t.http.get('/api/calls').set('Authorization', `Bearer ${agent.accessToken}`);
    expect(ok.status).toBe(200);

    // A query running when the connection is cut (node-postgres: "Connection terminated").
    const marker = `outage-${idemKey()}`;
    const inFlight = t.sequelize.query(`SELECT pg_sleep(20) AS "${marker}"`).then(
      () => null,
      (err: unknown) => err,
    );
    // An upload whose body is still arriving when the database goes away.
    const wav = makeWav({ frames: 16000 * 4 });
    const query = new URLSearchParams({ ...callMeta(), sha256: sha256(wav) });
    const upload = httpRequest(`${t.url()}/api/upload-recording?${query}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${agent.accessToken}`,
        'Content-Type': 'audio/wav',
        'Content-Length': String(wav.length),
        'Idempotency-Key': idemKey(),
      },
    });
    const answer = new Promise<{ status: number; retryAfter?: string; body: string }>(
      (resolve, reject) => {
        upload.on('response', (res: IncomingMessage) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              retryAfter: res.headers['retry-after'] as string,
              body,
            }),
          );
        });
        upload.on('error', reject);
      },
    );
    upload.write(wav.subarray(0, wav.length / 2));
    const tmp = join(t.config.storageDir, 'tmp');
    const staged = () => {
      try {
        return readdirSync(tmp).length;
      } catch {
        return 0; // the store opens with the first upload
      }
    };
    await until('the upload to stream into the store', () => staged() > 0);
    await until('the sleeping query to run', async () => {
      const r = await direct.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1`,
        [`%AS "${marker}"%`],
      );
      return r.rows[0].n > 0;
    });

    await relay.cut();
    const cutUnder = await inFlight;
    expect(cutUnder).toBeInstanceOf(DatabaseError);
    expect(isDatabaseUnavailable(cutUnder)).toBe(true);

    upload.end(wav.subarray(wav.length / 2));
    const up = await answer;
    expect(up.status).toBe(503);
    expect(JSON.parse(up.body).error.code).toBe('service_unavailable');
    expect(Number(up.retryAfter)).toBeGreaterThan(0);

    const list = await t.http.get('/api/calls').set('Authorization', `Bearer ${agent.accessToken}`);
    expect(list.status).toBe(503);
    expect(list.body.error).toMatchObject({
      code: 'service_unavailable',
      message: expect.stringMatching(/database/),
    });
    expect(Number(list.headers['retry-after'])).toBeGreaterThan(0);

    const login = await t.http
      .post('/api/auth/login')
      .send({ email: agent.user.email, password: 'whatever-it-is' });
    expect(login.status).toBe(503);
    expect(login.headers['retry-after']).toBeDefined();

    // Read through the real database: the refused upload left no row, and no file in the store.
    const rows = await direct.query(
      `SELECT (SELECT count(*)::int FROM recordings WHERE agent_id = $1) AS recordings,
              (SELECT count(*)::int FROM calls WHERE agent_id = $1) AS calls`,
      [agent.user.id],
    );
    expect(rows.rows[0]).toEqual({ recordings: 0, calls: 0 });
    await until('the refused upload’s temporary file to go', () => staged() === 0);
    const store = await t.recordings.store();
    let files = 0;
    for await (const _ of store.blobs.list()) files++;
    expect(files).toBe(0);
  });

  it('a database unreachable from the start: 503 with Retry-After', async () => {
    const broken = await startTestApp({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' });
    try {
      const res = await request(broken.url())
        .post('/api/auth/login')
        .send({ email: 'someone@test.local', password: 'whatever-it-is' });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('service_unavailable');
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      await broken.close();
    }
  });
});
