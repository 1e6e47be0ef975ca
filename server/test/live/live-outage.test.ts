import type { LiveRecording, TokenPair } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { eventually } from '@cwn/test-support/eventually';
import { deleteRedisPrefix, TEST_REDIS_URL } from '@cwn/test-support/services';
import { testConfig } from '@cwn/test-support/app';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import {
  append,
  as,
  newCall,
  openLive,
  relay,
  stopWorker,
  stream,
  twoSidedCall,
  wavOf,
} from './live-kit';

jest.setTimeout(90_000);

/**
 * Redis away in the middle of a live call (the server reaches it through a relay the test cuts):
 * appends are refused with 503 and Retry-After before anything is stored, and once Redis is back
 * the client's resend of the same bytes continues the session; the final WAV is bit-exact.
 * (Energy VAD here: the module's fallback detector, on the same audio.)
 */
const PREFIX = `live-outage-${process.pid}-${Date.now().toString(36)}`;
const { pcm: CALL } = twoSidedCall();

let t: TestApp;
let worker: InProcessWorker;
let link: Awaited<ReturnType<typeof relay>>;
let agent: TokenPair;

beforeAll(async () => {
  link = await relay(Number(new URL(TEST_REDIS_URL).port || 6379));
  t = await startTestApp({
    REDIS_URL: `redis://127.0.0.1:${link.port}`,
    REDIS_PREFIX: PREFIX,
    LIVE_VAD: 'energy',
  });
  worker = await startInProcessWorker(t, 'live-outage');
  agent = await t.userWithRole('agent');
});
afterAll(async () => {
  await stopWorker(worker);
  await t.close();
  await link.close();
  await deleteRedisPrefix(PREFIX);
});

it('Redis unreachable mid-call: 503 + Retry-After, nothing stored; the resend continues bit-exact', async () => {
  const callId = await newCall(t, agent);
  const id = await openLive(t, agent, callId);
  const part = Math.floor(CALL.length / 3 / 4) * 4;
  await stream(t, agent, id, CALL, 0, part);

  await link.cut();
  const refused = await append(t, agent, id, part, CALL.subarray(part, part + 32_000));
  expect(refused.status).toBe(503);
  expect(refused.body.error.code).toBe('service_unavailable');
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  const held = (await t.http.get(`/api/live-recordings/${id}`).set(as(agent)))
    .body as LiveRecording;
  expect(held.offset).toBe(part);
  expect(held.state).toBe('open');
  const log = t.live.service['d'].log;
  expect(await log.length(id, t.config.keyring.current.id)).toBe(part);

  await link.restore();
  // The client resends what was refused, as Retry-After says, until Redis answers again.
  const resent = await eventually(
    'the resend accepted',
    async () => {
      const res = await append(t, agent, id, part, CALL.subarray(part, part + 32_000));
      return res.status === 200 ? res : null;
    },
    30_000,
  );
  expect(resent.body).toEqual({ offset: part + 32_000, duplicate: false });
  await stream(t, agent, id, CALL, part + 32_000);
  const closed = await t.http
    .post(`/api/live-recordings/${id}/close`)
    .set(as(agent))
    .send({ totalBytes: CALL.length });
  expect(closed.status).toBe(200);
  const audio = await t.recordings.store().then((s) => s.readAll(closed.body.recordingId));
  expect(Buffer.compare(audio, wavOf(CALL))).toBe(0);
  const transcript = await eventually(
    'the transcript',
    async () =>
      (await t.http.get(`/api/calls/${callId}/transcript`).set(as(agent))).body.transcript,
    30_000,
  );
  expect(transcript.segments.length).toBeGreaterThan(0);
});

it('PostgreSQL unreachable mid-call: 503 + Retry-After, nothing stored; the resend continues bit-exact', async () => {
  const db = new URL(testConfig().databaseUrl);
  const pg = await relay(Number(db.port || 5432));
  const viaRelay = new URL(db);
  viaRelay.port = String(pg.port);
  const app = await startTestApp({
    DATABASE_URL: viaRelay.toString(),
    REDIS_PREFIX: PREFIX,
    LIVE_VAD: 'energy',
    STORAGE_DIR: t.config.storageDir,
  });
  try {
    const callId = await newCall(app, agent);
    const id = await openLive(app, agent, callId);
    const part = Math.floor(CALL.length / 3 / 4) * 4;
    await stream(app, agent, id, CALL, 0, part);

    await pg.cut();
    const refused = await append(app, agent, id, part, CALL.subarray(part, part + 32_000));
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('service_unavailable');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await app.live.service['d'].log.length(id, app.config.keyring.current.id)).toBe(part);

    await pg.restore();
    const resent = await eventually(
      'the resend accepted',
      async () => {
        const res = await append(app, agent, id, part, CALL.subarray(part, part + 32_000));
        return res.status === 200 ? res : null;
      },
      30_000,
    );
    expect(resent.body).toEqual({ offset: part + 32_000, duplicate: false });
    await stream(app, agent, id, CALL, part + 32_000);
    const closed = await app.http
      .post(`/api/live-recordings/${id}/close`)
      .set(as(agent))
      .send({ totalBytes: CALL.length });
    expect(closed.status).toBe(200);
    const audio = await app.recordings.store().then((s) => s.readAll(closed.body.recordingId));
    expect(Buffer.compare(audio, wavOf(CALL))).toBe(0);
  } finally {
    await app.close();
    await pg.close();
  }
});
