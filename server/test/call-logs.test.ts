import { Worker } from 'bullmq';
import { CallDetail, QUEUES, type TranscriptionJob } from '@cwn/protocol';
import { configure, eventFor, startHarness, type Harness } from './ninjaone/harness';
import { makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { bullConnection, eventually, sampleResult } from '@cwn/test-support/transcript-fixtures';

/**
 * The log of one whole call, from the extension's first report to the NinjaOne ticket, at debug
 * level: a person reads it, so it must say what happened without the caller's number or name.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sqlSource: true });
  await configure(h);
  await h.t.transcriptionEvents.start();
});
afterAll(async () => {
  await h.close();
});

const NUMBER = '+33 1 98 76 54 32';
const NAME = 'Ada Lovelace';

type LogLine = Record<string, unknown> & {
  msg?: string;
  req?: Record<string, unknown>;
  res?: Record<string, unknown>;
};

it('holds method, path, status, time and request id per request, and never the caller', async () => {
  const agent = { Authorization: `Bearer ${h.agent.accessToken}` };
  const created = await h.t.http
    .post('/api/calls')
    .set(agent)
    .send({
      direction: 'inbound',
      remoteNumber: NUMBER,
      remoteName: NAME,
      pbxCallId: `pbx-logs-${Date.now().toString(36)}`,
      startedAt: new Date(Date.now() - 60_000).toISOString(),
    });
  expect(created.status).toBe(201);
  const callId = created.body.id as string;
  for (const event of ['answered', 'ended'])
    expect(
      (await h.t.http.patch(`/api/calls/${callId}`).set(agent).send({ event, remoteName: NAME }))
        .status,
    ).toBe(200);
  // Searches put the number and the name in the query string.
  expect(
    (await h.t.http.get('/api/calls').query({ number: NUMBER, q: NAME }).set(agent)).status,
  ).toBe(200);
  // A refused request logs too (a number that is not one, next to the real one).
  expect((await h.t.http.get('/api/calls').query({ q: NAME, limit: 'x' }).set(agent)).status).toBe(
    400,
  );

  const worker = new Worker<TranscriptionJob>(QUEUES.transcription, async () => sampleResult(), {
    connection: bullConnection(),
    prefix: h.t.config.redisPrefix,
  });
  worker.on('error', () => undefined);
  try {
    const wav = makeWav({ frames: 16_000 * 2 });
    const uploaded = await upload(h.t, h.agent.accessToken, wav, {
      callId,
      remoteNumber: NUMBER,
      remoteName: NAME,
      sha256: sha256(wav),
    });
    expect(uploaded.status).toBe(201);
    const transcriptId = await eventually('the transcript', async () => {
      const res = await h.t.http.get(`/api/calls/${callId}`).set(agent);
      return CallDetail.parse(res.body).transcript?.id;
    });
    const validated = await h.t.http
      .post(`/api/transcripts/${transcriptId}/validate`)
      .set(agent)
      .send({});
    expect(validated.status).toBe(200);
    // No organization has this number: the ticket fails (its reason, for the agent, names the
    // number; the log line must not), then goes through for a chosen organization.
    await eventFor(h, transcriptId, 'ticket.failed');
    expect(
      (await h.api('get', `/api/ninjaone/caller-match?number=${encodeURIComponent(NUMBER)}`))
        .status,
    ).toBe(200);
    const retried = await h.t.http
      .post(`/api/transcripts/${transcriptId}/ticket`)
      .set(agent)
      .send({ organizationId: 1 });
    expect(retried.status).toBe(202);
    await eventFor(h, transcriptId, 'ticket.created');
    await eventually(
      'the call ticketed',
      async () => (await h.t.models.Call.findByPk(callId))?.status === 'ticketed',
    );
  } finally {
    await worker.close();
  }

  const text = h.logs.join('\n');
  const lines = h.logs.map((l) => JSON.parse(l) as LogLine);
  // The log really holds the call's story: its requests, one line each.
  const requests = lines.filter((l) => l.req && l.res);
  const upload201 = requests.find(
    (l) => l.req!.path === '/api/upload-recording' && l.res!.statusCode === 201,
  );
  expect(upload201).toMatchObject({
    level: 30,
    msg: expect.stringMatching(/^POST \/api\/upload-recording 201 \d+ ms$/),
    req: { id: expect.any(String), method: 'POST', path: '/api/upload-recording' },
    res: { statusCode: 201 },
    responseTime: expect.any(Number),
  });
  expect(requests.find((l) => l.res!.statusCode === 400)).toMatchObject({
    level: 40,
    req: { method: 'GET', path: '/api/calls' },
  });
  for (const l of requests) {
    expect(Object.keys(l.req!).sort()).toEqual(['id', 'method', 'path']);
    expect(Object.keys(l.res!)).toEqual(['statusCode']);
  }
  expect(text).toContain(callId);

  for (const needle of [
    NAME,
    'Lovelace',
    NUMBER,
    NUMBER.replace(/\s/g, ''),
    '98 76 54 32',
    '98765432',
    encodeURIComponent(NUMBER),
    'Ada+Lovelace',
  ])
    expect({ needle, found: text.includes(needle) }).toEqual({ needle, found: false });
});
