import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import {
  callMeta,
  idemKey,
  leftovers,
  makeWav,
  sha256,
} from '@cwn/test-support/recording-fixtures';

/** Short limits, so that a client "too slow" for them is slow for a test, not for a person. */
const LIMITS = {
  HTTP_HEADERS_TIMEOUT_MS: '600',
  HTTP_REQUEST_TIMEOUT_MS: '900',
  HTTP_BODY_IDLE_TIMEOUT_MS: '900',
};

let t: TestApp;
let agent: { token: string; id: string };

beforeAll(async () => {
  t = await startTestApp(LIMITS);
  const pair = await t.userWithRole('agent');
  agent = { token: pair.accessToken, id: pair.user.id };
});
afterAll(async () => {
  await t.close();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw connection that sends what it is told and reports what came back when it closed. */
function rawClient(): { socket: Socket; closed: Promise<string> } {
  const { port } = new URL(t.url());
  const socket = connect(Number(port), '127.0.0.1');
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.on('error', () => undefined);
  return { socket, closed };
}

describe('slow clients', () => {
  it('headers that never end: 408 and the connection closed', async () => {
    const { socket, closed } = rawClient();
    socket.write('GET /api/calls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ');
    expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a JSON body that trickles in and never ends: 408 and closed, though never silent', async () => {
    const { socket, closed } = rawClient();
    socket.write(
      `POST /api/calls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${agent.token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"direction":',
    );
    let open = true;
    void closed.then(() => (open = false));
    // A byte well within the idle limit each time: only the whole-body deadline can stop this.
    const trickle = (async () => {
      while (open) {
        socket.write(' ');
        await pause(100);
      }
    })();
    const answer = await closed;
    await trickle;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/"code":"request_timeout"/);
  });

  it('an upload that stalls mid-body: closed, nothing stored, nothing staged', async () => {
    const before = await leftovers(t, agent.id);
    const wav = makeWav({ frames: 16000 * 2 });
    const query = new URLSearchParams({ ...callMeta(), sha256: sha256(wav) });
    const { socket, closed } = rawClient();
    socket.write(
      `POST /api/upload-recording?${query} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${agent.token}\r\n` +
        `Content-Type: audio/wav\r\nIdempotency-Key: ${idemKey()}\r\nContent-Length: ${wav.length}\r\n\r\n`,
    );
    socket.write(wav.subarray(0, wav.length / 2));
    await closed;
    const tmp = join(t.config.storageDir, 'tmp');
    const deadline = Date.now() + 10_000;
    while (readdirSync(tmp).length && Date.now() < deadline) await pause(20);
    expect(readdirSync(tmp)).toEqual([]);
    expect(await leftovers(t, agent.id)).toEqual(before);
  });

  it('an upload slower in all than every limit, but never silent, goes through (as a 4-hour file does)', async () => {
    const wav = makeWav({ frames: 16000 * 2 }); // 128 KB in 16 pieces, 150 ms apart: 2.4 s
    const query = new URLSearchParams({ ...callMeta(), sha256: sha256(wav) });
    const req = httpRequest(`${t.url()}/api/upload-recording?${query}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${agent.token}`,
        'Content-Type': 'audio/wav',
        'Content-Length': String(wav.length),
        'Idempotency-Key': idemKey(),
      },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res: IncomingMessage) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
    });
    const started = Date.now();
    const piece = wav.length / 16;
    for (let i = 0; i < 16; i++) {
      req.write(wav.subarray(i * piece, (i + 1) * piece));
      await pause(150);
    }
    req.end();
    const res = await answer;
    expect(Date.now() - started).toBeGreaterThan(Number(LIMITS.HTTP_REQUEST_TIMEOUT_MS) * 2);
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body).recording.sizeBytes).toBe(wav.length);
  });

  it('a request whose answer takes longer than the idle limit is answered', async () => {
    // Logging in with a wrong password is slow on purpose (scrypt) but not that slow: hold the
    // database instead, so that the answer waits on a row lock longer than the idle limit.
    const email = `slow-${idemKey()}@test.local`;
    await t.services.users.create({
      email,
      password: 'correct horse battery',
      role: 'agent',
      displayName: 'Slow',
    });
    const tx = await t.sequelize.transaction();
    try {
      await t.sequelize.query(`SELECT 1 FROM users WHERE email = :email FOR UPDATE`, {
        replacements: { email },
        transaction: tx,
      });
      let committed = false;
      const login = t.http
        .post('/api/auth/login')
        .send({ email, password: 'correct horse battery' })
        .then((r) => ({ status: r.status, afterCommit: committed }));
      await pause(Number(LIMITS.HTTP_BODY_IDLE_TIMEOUT_MS) * 2);
      committed = true;
      await tx.commit();
      expect(await login).toEqual({ status: 200, afterCommit: true });
    } finally {
      await tx.rollback().catch(() => undefined);
    }
  });
});
