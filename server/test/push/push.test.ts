import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { PushPayload, QUEUES, type TokenPair, type TranscriptionJob } from '@cwn/protocol';
import { MAX_DEVICES_PER_USER } from '../../src/push/push-subscriptions.service';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import {
  bullConnection,
  connected,
  dial,
  eventually,
  recordEvents,
  sampleResult,
  seedCallWithRecording,
} from '@cwn/test-support/transcript-fixtures';
import {
  closedPort,
  fakeDevice,
  HANG,
  startFakePushService,
  vapidKeys,
  verifyVapid,
} from './fake-push-service';

jest.setTimeout(30_000);

const VAPID = { ...vapidKeys(), subject: 'mailto:ops@helpdesk.example' };
let push: Awaited<ReturnType<typeof startFakePushService>>;
let t: TestApp;
let worker: Worker<TranscriptionJob>;
let workerConnection: Redis;
let agent: TokenPair;
let manager: TokenPair;

beforeAll(async () => {
  push = await startFakePushService();
  t = await startTestApp(
    {
      // A queue of its own: the worker below takes every job on it.
      REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-push`,
      VAPID_PUBLIC_KEY: VAPID.publicKey,
      VAPID_PRIVATE_KEY: VAPID.privateKey,
      VAPID_SUBJECT: VAPID.subject,
      PUSH_ALLOWED_HOSTS: new URL(push.origin).hostname,
    },
    { push: { agent: push.agent, timeoutMs: 3_000 } },
  );
  await t.transcriptionEvents.start();
  // The Whisper worker's stand-in: every job completes with a real-shaped result.
  workerConnection = bullConnection();
  worker = new Worker<TranscriptionJob>(QUEUES.transcription, async () => sampleResult(), {
    connection: workerConnection,
    prefix: t.config.redisPrefix,
  });
  worker.on('error', () => undefined);
  agent = await t.userWithRole('agent');
  manager = await t.userWithRole('manager');
});

afterEach(async () => {
  // Only this file's subscriptions (the database is shared with other test files).
  for (const s of await t.push.model.findAll())
    if (s.endpoint.startsWith(push.origin)) await s.destroy();
  push.requests.length = 0;
});

afterAll(async () => {
  await worker?.close();
  workerConnection?.disconnect();
  await t?.close();
  await push?.close();
});

const auth = (p: TokenPair) => ({ Authorization: `Bearer ${p.accessToken}` });

async function subscribe(who: TokenPair, endpoint = `${push.origin}/push/${crypto.randomUUID()}`) {
  const device = fakeDevice(endpoint);
  const res = await t.http
    .post('/api/push/subscriptions')
    .set(auth(who))
    .set('User-Agent', 'test-phone')
    .send(device.body);
  expect(res.status).toBe(201);
  return device;
}

/** A call of `agentId` whose transcription completes through the real queue and event path. */
async function transcribe(agentId: string, opts: { name?: string } = {}) {
  const { callId, recordingId } = await seedCallWithRecording(t.models, agentId);
  if (opts.name) await t.models.Call.update({ remoteName: opts.name }, { where: { id: callId } });
  await t.queues.transcription.add(
    'transcribe',
    { recordingId, callId, channels: 2, durationMs: 5_000, languageHint: null },
    { jobId: recordingId },
  );
  return { callId, recordingId };
}

const requestsTo = (endpoint: string) =>
  push.requests.filter((r) => `${push.origin}${r.path}` === endpoint);

describe('Web Push: transcript ready', () => {
  it('sends one encrypted, VAPID-signed message per subscription of the people who may see the call', async () => {
    const agentPhone = await subscribe(agent);
    const managerPhone = await subscribe(manager);
    const otherAgent = await t.userWithRole('agent');
    const otherAgentPhone = await subscribe(otherAgent);
    const gone = await t.userWithRole('supervisor');
    const gonePhone = await subscribe(gone);
    await t.models.User.update({ active: false }, { where: { id: gone.user.id } });

    const { callId, recordingId } = await transcribe(agent.user.id, { name: 'Ada Lovelace' });
    await eventually(
      'both messages',
      () => requestsTo(agentPhone.endpoint).length + requestsTo(managerPhone.endpoint).length === 2,
    );
    await new Promise((r) => setTimeout(r, 300)); // nothing more comes
    expect(requestsTo(agentPhone.endpoint)).toHaveLength(1);
    expect(requestsTo(managerPhone.endpoint)).toHaveLength(1);
    // Another agent does not see this call; a deactivated supervisor's device is not used.
    expect(requestsTo(otherAgentPhone.endpoint)).toHaveLength(0);
    expect(requestsTo(gonePhone.endpoint)).toHaveLength(0);

    const stored = (await t.models.Transcript.findOne({ where: { recordingId } }))!;
    const spoken = stored.segments.map((s) => s.text);
    for (const device of [agentPhone, managerPhone]) {
      const [req] = requestsTo(device.endpoint) as [(typeof push.requests)[number]];
      const claims = verifyVapid(req.headers.authorization as string, VAPID.publicKey);
      expect(claims.aud).toBe(push.origin);
      expect(claims.sub).toBe(VAPID.subject);
      expect(claims.exp * 1000).toBeGreaterThan(Date.now());
      expect(req.headers['content-encoding']).toBe('aes128gcm');
      expect(req.headers.ttl).toBe('86400');
      expect(req.headers.topic).toBe(callId.replace(/-/g, ''));

      // Only the device can read it: decrypted with its private key and auth secret.
      const text = device.decrypt(req.body).toString('utf8');
      const payload = PushPayload.parse(JSON.parse(text));
      expect(payload).toEqual({
        type: 'transcript.ready',
        callId,
        direction: 'inbound',
        caller: { name: 'Ada Lovelace', number: '+33612345678' },
        url: `/calls/${callId}`,
      });
      for (const words of spoken) expect(text).not.toContain(words);
      expect(text).not.toMatch(/imprimante|bonjour/i);
    }
    await eventually('the success recorded', async () => {
      const row = await t.push.model.findOne({ where: { endpoint: managerPhone.endpoint } });
      return row?.lastSuccessAt ? row : null;
    });
  });

  it('deletes a subscription the push service says is gone (410) and counts other failures', async () => {
    const goneEndpoint = `${push.origin}/push/gone-${crypto.randomUUID()}`;
    const brokenEndpoint = `${push.origin}/push/broken-${crypto.randomUUID()}`;
    push.statusFor.set(new URL(goneEndpoint).pathname, 410);
    push.statusFor.set(new URL(brokenEndpoint).pathname, 500);
    await subscribe(agent, goneEndpoint);
    await subscribe(manager, brokenEndpoint);

    await transcribe(agent.user.id);
    await eventually(
      'the 410 handled',
      async () => (await t.push.model.count({ where: { endpoint: goneEndpoint } })) === 0,
    );
    expect(requestsTo(goneEndpoint)).toHaveLength(1);
    const broken = await eventually('the failure counted', async () => {
      const row = await t.push.model.findOne({ where: { endpoint: brokenEndpoint } });
      return row && row.failureCount === 1 ? row : null;
    });
    expect(broken.lastSuccessAt).toBeNull();
  });

  it('gives up on a push service that does not answer (timeout), without holding anything up', async () => {
    const stuck = `${push.origin}/push/stuck-${crypto.randomUUID()}`;
    push.statusFor.set(new URL(stuck).pathname, HANG);
    const fine = await subscribe(manager);
    await subscribe(agent, stuck);
    const { recordingId } = await transcribe(agent.user.id);
    // The transcript and the other device do not wait for the stuck one.
    await eventually('the other device served', () => requestsTo(fine.endpoint).length === 1);
    expect(await t.models.Transcript.count({ where: { recordingId } })).toBe(1);
    expect((await t.push.model.findOne({ where: { endpoint: stuck } }))!.failureCount).toBe(0);
    // After the sender's timeout (3 s in this file) the stuck one counts as a failure.
    await eventually(
      'the timeout counted',
      async () => (await t.push.model.findOne({ where: { endpoint: stuck } }))?.failureCount === 1,
      8_000,
    );
  });

  it('stores the transcript and emits transcript.ready when the push service cannot be reached', async () => {
    const unreachable = `https://127.0.0.1:${await closedPort()}/push/${crypto.randomUUID()}`;
    await subscribe(agent, unreachable);
    const socket = dial(t.url(), agent.accessToken);
    try {
      const events = recordEvents(socket, ['transcript.ready']);
      await connected(socket);
      const { callId, recordingId } = await transcribe(agent.user.id);
      await eventually('transcript.ready', () =>
        events.of<{ callId: string }>('transcript.ready').some((e) => e.callId === callId),
      );
      expect(await t.models.Transcript.count({ where: { recordingId } })).toBe(1);
      expect((await t.models.Call.findByPk(callId))!.status).toBe('transcribed');
      await eventually('the failure counted', async () => {
        const row = await t.push.model.findOne({ where: { endpoint: unreachable } });
        return row?.failureCount === 1;
      });
    } finally {
      socket.disconnect();
    }
  });
});

describe('Web Push: subscriptions API', () => {
  it('gives the VAPID public key to signed-in users only', async () => {
    expect((await t.http.get('/api/push/vapid-public-key').set(auth(agent))).body).toEqual({
      publicKey: VAPID.publicKey,
    });
    expect((await t.http.get('/api/push/vapid-public-key')).status).toBe(401);
  });

  it('upserts by endpoint (201 then 200), moving a device to whoever subscribed last', async () => {
    const device = fakeDevice(`${push.origin}/push/${crypto.randomUUID()}`);
    const first = await t.http.post('/api/push/subscriptions').set(auth(agent)).send(device.body);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ endpoint: device.endpoint, createdAt: expect.any(String) });
    const again = await t.http.post('/api/push/subscriptions').set(auth(manager)).send(device.body);
    expect(again.status).toBe(200);
    const rows = await t.push.model.findAll({ where: { endpoint: device.endpoint } });
    expect(rows.map((r) => r.userId)).toEqual([manager.user.id]);
  });

  it("deletes only the caller's own subscription, by body or by query", async () => {
    const device = await subscribe(agent);
    const other = await t.userWithRole('agent');
    const theirs = await t.http
      .delete('/api/push/subscriptions')
      .set(auth(other))
      .send({ endpoint: device.endpoint });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('not_found');
    expect(await t.push.model.count({ where: { endpoint: device.endpoint } })).toBe(1);

    const mine = await t.http
      .delete('/api/push/subscriptions')
      .set(auth(agent))
      .query({ endpoint: device.endpoint });
    expect(mine.status).toBe(204);
    expect(await t.push.model.count({ where: { endpoint: device.endpoint } })).toBe(0);
    const byBody = await subscribe(agent);
    expect(
      (
        await t.http
          .delete('/api/push/subscriptions')
          .set(auth(agent))
          .send({ endpoint: byBody.endpoint })
      ).status,
    ).toBe(204);
  });

  it('refuses endpoints outside the allowed push services, and keeps a bounded number of devices per user', async () => {
    const good = fakeDevice(`${push.origin}/push/${crypto.randomUUID()}`).body;
    for (const endpoint of [
      'https://internal.example/admin',
      'https://169.254.169.254/latest/meta-data',
    ]) {
      const res = await t.http
        .post('/api/push/subscriptions')
        .set(auth(agent))
        .send({ ...good, endpoint });
      expect([res.status, res.body.error.code]).toEqual([400, 'validation_failed']);
      expect(res.body.error.message).toContain('PUSH_ALLOWED_HOSTS');
      expect(await t.push.model.count({ where: { endpoint } })).toBe(0);
    }
    const owner = await t.userWithRole('manager');
    const devices = [];
    for (let i = 0; i <= MAX_DEVICES_PER_USER; i += 1) devices.push(await subscribe(owner));
    const kept = await t.push.model.findAll({ where: { userId: owner.user.id } });
    expect(kept).toHaveLength(MAX_DEVICES_PER_USER);
    expect(kept.map((r) => r.endpoint)).not.toContain(devices[0]!.endpoint);
    expect(kept.map((r) => r.endpoint)).toContain(devices[MAX_DEVICES_PER_USER]!.endpoint);
  });

  it('refuses malformed subscriptions with 400', async () => {
    const good = fakeDevice(`${push.origin}/push/${crypto.randomUUID()}`).body;
    const bad = [
      {},
      { ...good, endpoint: 'http://push.example/x' },
      { ...good, endpoint: 'not a url' },
      { ...good, keys: { ...good.keys, p256dh: good.keys.p256dh.slice(0, 40) } },
      { ...good, keys: { ...good.keys, auth: 'not base64url!' } },
      { endpoint: good.endpoint },
    ];
    for (const body of bad) {
      const res = await t.http.post('/api/push/subscriptions').set(auth(agent)).send(body);
      expect([res.status, res.body.error?.code]).toEqual([400, 'validation_failed']);
    }
    const del = await t.http
      .delete('/api/push/subscriptions')
      .set(auth(agent))
      .send({ endpoint: 'nope' });
    expect([del.status, del.body.error?.code]).toEqual([400, 'validation_failed']);
    expect((await t.http.delete('/api/push/subscriptions').set(auth(agent))).status).toBe(400);
  });
});

describe('Web Push: not configured', () => {
  it('answers 404 push_disabled and sends nothing', async () => {
    const off = await startTestApp({
      REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-push-off`,
    });
    try {
      expect(off.push.sender).toBeNull();
      const user = await off.userWithRole('manager');
      const key = await off.http.get('/api/push/vapid-public-key').set(auth(user));
      expect([key.status, key.body.error.code]).toEqual([404, 'push_disabled']);
      const sub = await off.http
        .post('/api/push/subscriptions')
        .set(auth(user))
        .send(fakeDevice(`${push.origin}/push/${crypto.randomUUID()}`).body);
      expect([sub.status, sub.body.error.code]).toEqual([404, 'push_disabled']);
    } finally {
      await off.close();
    }
  });
});
