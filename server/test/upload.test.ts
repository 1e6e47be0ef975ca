import { request } from 'node:http';
import { TranscriptionJob, UploadRecordingResponse } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import {
  callMeta,
  idemKey,
  leftovers,
  makeWav,
  nextCallSettled,
  randomBody,
  sha256,
  spokenWav,
  upload,
} from '@cwn/test-support/recording-fixtures';

let t: TestApp;
let agent: { token: string; id: string };

beforeAll(async () => {
  t = await startTestApp();
  const pair = await t.userWithRole('agent');
  agent = { token: pair.accessToken, id: pair.user.id };
});
afterAll(async () => {
  await t.close();
});

const valid = makeWav();

/** Builds the bad-file corpus: each entry with its status and a piece of its specific message. */
function corpus(): Array<{ name: string; body: Buffer; status: number; message: RegExp }> {
  const oneSecond = makeWav();
  const declaredLonger = makeWav({ dataSize: 64_000 + 1_000, riffSize: 36 + 64_000 + 1_000 });
  const fourGb = makeWav({ riffSize: 0xfffffff0 });
  return [
    {
      name: 'truncated header',
      body: oneSecond.subarray(0, 30),
      status: 400,
      message: /truncated WAV header/,
    },
    {
      name: '44100 Hz',
      body: makeWav({ sampleRate: 44100 }),
      status: 415,
      message: /sample rate 44100 Hz, expected 16000/,
    },
    {
      name: '8-bit',
      body: makeWav({ bits: 8 }),
      status: 415,
      message: /8-bit PCM, expected 16-bit/,
    },
    {
      name: 'float PCM',
      body: makeWav({ bits: 32, format: 3 }),
      status: 415,
      message: /IEEE float audio/,
    },
    {
      name: '6 channels',
      body: makeWav({ channels: 6, frames: 1600 }),
      status: 415,
      message: /6 channels, expected 1 or 2/,
    },
    {
      name: 'data chunk longer than the body',
      body: declaredLonger,
      status: 400,
      message: /data chunk declares 65000 bytes but the body ends after 64000/,
    },
    { name: 'empty body', body: Buffer.alloc(0), status: 400, message: /empty body/ },
    {
      name: 'not RIFF',
      body: Buffer.from('OggS\0\0\0\0not a wav file at all, just text'),
      status: 415,
      message: /not a RIFF\/WAVE file \(starts with "OggS"\)/,
    },
    {
      name: '10 MB of random bytes',
      body: Buffer.concat([Buffer.from('JUNK'), randomBody(10 * 1024 * 1024)]),
      status: 415,
      message: /not a RIFF\/WAVE file/,
    },
    {
      name: 'a header declaring 4 GB',
      body: fourGb,
      status: 413,
      message: /RIFF header declares 4294967288 bytes, larger than/,
    },
  ];
}

describe('POST /api/upload-recording: bad files', () => {
  it.each(corpus())(
    '$name → $status with its own message, nothing left behind',
    async ({ body, status, message }) => {
      const before = await leftovers(t, agent.id);
      const res = await upload(t, agent.token, body, { ...callMeta(), sha256: sha256(body) });
      expect(res.status).toBe(status);
      expect(res.body.error.message).toMatch(message);
      expect(await leftovers(t, agent.id)).toEqual(before);
    },
  );

  it('refuses a body whose sha256 is not the one the client sent (400), leaving nothing', async () => {
    const before = await leftovers(t, agent.id);
    const res = await upload(t, agent.token, valid, {
      ...callMeta(),
      sha256: sha256(Buffer.from('other')),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/sha256 mismatch/);
    expect(await leftovers(t, agent.id)).toEqual(before);
  });

  it('refuses a recording longer than MAX_RECORDING_SECONDS (413), by its header and by Content-Length', async () => {
    const small = await startTestApp({ MAX_RECORDING_SECONDS: '2' });
    try {
      const pair = await small.userWithRole('agent');
      const before = await leftovers(small, pair.user.id);
      const long = makeWav({ frames: 5 * 16000 });
      const res = await upload(small, pair.accessToken, long, {
        ...callMeta(),
        sha256: sha256(long),
      });
      expect(res.status).toBe(413);
      expect(res.body.error.message).toMatch(
        /recording is 5\.0 s long .* longer than the 2\.0 s limit/,
      );

      const huge = makeWav({ frames: 40 * 16000 }); // 2.56 MB, over the 2 s + 1 MiB byte limit
      const res2 = await upload(small, pair.accessToken, huge, {
        ...callMeta(),
        sha256: sha256(huge),
      });
      expect(res2.status).toBe(413);
      expect(res2.body.error.message).toMatch(
        /Content-Length \d+ is larger than the 1176576-byte limit/,
      );
      expect(await leftovers(small, pair.user.id)).toEqual(before);
    } finally {
      await small.close();
    }
  });

  it('asks for the metadata it needs (400), a WAV content type (415) and an idempotency key (400)', async () => {
    const noMeta = await upload(t, agent.token, valid, { sha256: sha256(valid) });
    expect(noMeta.status).toBe(400);
    expect(noMeta.body.error.message).toMatch(/direction: required when callId is not given/);

    const json = await t.http
      .post('/api/upload-recording')
      .query({ ...callMeta(), sha256: sha256(valid) })
      .set('Authorization', `Bearer ${agent.token}`)
      .set('Idempotency-Key', idemKey())
      .send({ audio: 'no' });
    expect(json.status).toBe(415);
    expect(json.body.error.message).toMatch(/expected audio\/wav/);

    const noKey = await t.http
      .post('/api/upload-recording')
      .query({ ...callMeta(), sha256: sha256(valid) })
      .set('Authorization', `Bearer ${agent.token}`)
      .set('Content-Type', 'audio/wav')
      .send(valid);
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.message).toMatch(/Idempotency-Key header is required/);
  });
});

describe('POST /api/upload-recording: a client that goes away', () => {
  it('leaves nothing behind when the connection dies half-way, and the server keeps serving', async () => {
    const wav = makeWav({ frames: 10 * 16000 });
    const before = await leftovers(t, agent.id);
    const query = new URLSearchParams({ ...callMeta(), sha256: sha256(wav) });
    const handled = nextCallSettled(t.recordings.ingest, 'ingest');
    await new Promise<void>((resolve) => {
      const req = request(`${t.url()}/api/upload-recording?${query}`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${agent.token}`,
          'Content-Type': 'audio/wav',
          'Idempotency-Key': idemKey(),
          'Content-Length': String(wav.length),
        },
      });
      req.on('error', () => resolve());
      req.write(wav.subarray(0, 300_000), () =>
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 50),
      );
    });
    await handled;
    expect(await leftovers(t, agent.id)).toEqual(before);
    const ok = await upload(t, agent.token, wav, { ...callMeta(), sha256: sha256(wav) });
    expect(ok.status).toBe(201);
  });
});

describe('POST /api/upload-recording: stored, queued, idempotent', () => {
  it('stores real speech, creates the call from its metadata and queues one transcription job', async () => {
    const speech = spokenWav('Hello, my printer is on fire again.');
    const meta = callMeta({ endedAt: '2026-11-20T10:05:00.000Z', languageHint: 'en' });
    const res = await upload(t, agent.token, speech, { ...meta, sha256: sha256(speech) });
    expect(res.status).toBe(201);
    const body = UploadRecordingResponse.parse(res.body);
    expect(body.created).toBe(true);
    expect(body.recording).toMatchObject({
      channels: 2,
      sampleRate: 16000,
      sizeBytes: speech.length,
      sha256: sha256(speech),
    });
    expect(body.recording.durationMs).toBeGreaterThan(500);

    const call = await t.models.Call.findByPk(body.callId);
    expect(call).toMatchObject({
      agentId: agent.id,
      pbxCallId: meta.pbxCallId,
      status: 'queued',
      direction: 'inbound',
    });
    expect(call!.endedAt!.toISOString()).toBe('2026-11-20T10:05:00.000Z');

    const job = await t.queues.transcription.getJob(body.recording.id);
    expect(job).toBeDefined();
    expect(TranscriptionJob.parse(job!.data)).toEqual({
      recordingId: body.recording.id,
      callId: body.callId,
      channels: 2,
      durationMs: body.recording.durationMs,
      languageHint: 'en',
      // the admins' Whisper settings travel with the job; none set here: each worker's own
      settings: {
        engine: null,
        language: null,
        model: null,
        prompt: null,
        temperatureInc: null,
        vad: null,
        vadSensitivity: null,
      },
    });
    const audit = await t.models.AuditLog.findOne({
      where: { action: 'recording.upload', targetId: body.recording.id },
    });
    expect(audit?.actorId).toBe(agent.id);
  });

  it('gives one recording and one job for the same upload sent twice, even at the same time', async () => {
    const wav = makeWav({ frames: 8000 });
    const key = idemKey();
    const query = { ...callMeta(), sha256: sha256(wav) };
    const [a, b] = await Promise.all([
      upload(t, agent.token, wav, query, key),
      upload(t, agent.token, wav, query, key),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.recording.id).toBe(b.body.recording.id);
    const again = await upload(t, agent.token, wav, query, key);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, recording: { id: a.body.recording.id } });

    expect(
      await t.models.Recording.count({ where: { agentId: agent.id, idempotencyKey: key } }),
    ).toBe(1);
    const jobs = await t.queues.transcription.getJobs([
      'waiting',
      'active',
      'delayed',
      'completed',
      'failed',
    ]);
    expect(jobs.filter((j) => j.data.recordingId === a.body.recording.id)).toHaveLength(1);
  });

  it('queues again, once, a recording whose call was left `uploaded` (Redis away after the upload)', async () => {
    const wav = makeWav({ frames: 1600 });
    const res = await upload(t, agent.token, wav, { ...callMeta(), sha256: sha256(wav) });
    const id = res.body.recording.id as string;
    await (await t.queues.transcription.getJob(id))!.remove();
    await t.models.Call.update({ status: 'uploaded' }, { where: { id: res.body.callId } });
    expect(await t.recordings.ingest.requeueStranded()).toBeGreaterThanOrEqual(1);
    expect((await t.queues.transcription.getJob(id))?.data.recordingId).toBe(id);
    expect((await t.models.Call.findByPk(res.body.callId))!.status).toBe('queued');
    await t.recordings.ingest.requeueStranded();
    const jobs = await t.queues.transcription.getJobs([
      'waiting',
      'active',
      'delayed',
      'completed',
      'failed',
    ]);
    expect(jobs.filter((j) => j.data.recordingId === id)).toHaveLength(1);
  });

  it('refuses the same idempotency key for a different file (409)', async () => {
    const key = idemKey();
    const one = makeWav({ frames: 1600 });
    const two = makeWav({ frames: 3200 });
    expect(
      (await upload(t, agent.token, one, { ...callMeta(), sha256: sha256(one) }, key)).status,
    ).toBe(201);
    const res = await upload(t, agent.token, two, { ...callMeta(), sha256: sha256(two) }, key);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/already used for a different file/);
  });

  it('attaches to an existing call of the agent, and not to another agent’s call (404)', async () => {
    const created = await t.http
      .post('/api/calls')
      .set('Authorization', `Bearer ${agent.token}`)
      .send({
        direction: 'outbound',
        pbxCallId: `pbx-${idemKey()}`,
        startedAt: '2026-11-21T09:00:00.000Z',
      });
    expect(created.status).toBe(201);
    const wav = makeWav({ channels: 1, frames: 4000 });
    const res = await upload(t, agent.token, wav, { callId: created.body.id, sha256: sha256(wav) });
    expect(res.status).toBe(201);
    expect(res.body.callId).toBe(created.body.id);
    expect(res.body.recording.channels).toBe(1);

    const second = await upload(t, agent.token, wav, {
      callId: created.body.id,
      sha256: sha256(wav),
    });
    expect(second.status).toBe(409);

    const other = await t.userWithRole('agent');
    const theirs = await upload(t, other.accessToken, wav, {
      callId: created.body.id,
      sha256: sha256(wav),
    });
    expect(theirs.status).toBe(404);
  });
});

describe('OpenAPI document', () => {
  it('documents the upload protocols: raw WAV body, query metadata, headers, resumable PATCH', async () => {
    const res = await t.http.get('/api/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<
      string,
      Record<
        string,
        {
          requestBody?: { content: Record<string, unknown> };
          parameters?: Array<{ name: string; in: string }>;
          security?: unknown;
        }
      >
    >;
    const direct = paths['/api/upload-recording']!.post!;
    expect(Object.keys(direct.requestBody!.content)).toEqual(['audio/wav']);
    const names = direct.parameters!.map((p) => `${p.in}:${p.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'header:Idempotency-Key',
        'query:sha256',
        'query:callId',
        'query:pbxCallId',
      ]),
    );
    expect(Object.keys(paths['/api/uploads/{id}']!.patch!.requestBody!.content)).toEqual([
      'application/offset+octet-stream',
    ]);
    expect(paths['/api/uploads/{id}']!.patch!.parameters!.map((p) => p.name)).toContain(
      'Upload-Offset',
    );
    expect(paths['/internal/recordings/{id}/audio']!.get!.security).toEqual([{ workerToken: [] }]);
    expect(res.body.components.securitySchemes.workerToken).toBeDefined();
  });
});
