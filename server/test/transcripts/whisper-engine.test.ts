/**
 * The engine chosen in the Whisper settings (decision 1612), end to end: the admin picks an
 * OpenAI-compatible server (the fake Whisper API, which demands a bearer key) for a worker that
 * starts on the built-in whisper.cpp; the next call's job carries the URL and model but never
 * the key, the REAL worker fetches the key from the server's internal route and the transcript
 * records the engine. The key is write-only: never returned, kept on an empty save, removed on
 * demand, audited without its value, never in a log line; a wrong key fails the job once.
 */
import {
  Transcript,
  TranscriptionJob,
  UploadRecordingResponse,
  WhisperSettingsView,
  type WhisperSettingsUpdate,
} from '@cwn/protocol';
import {
  createWhisperApiSim,
  type RunningWhisperApiSim,
  type WhisperApiSim,
} from '@cwn/whisper-api-sim';
import { encodeWav, msOf, place, speak } from '@cwn/test-support/worker-speech';
import { callMeta, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import { TEST_WORKER_TOKEN } from '@cwn/test-support/app';
import { eventually } from '@cwn/test-support/eventually';
import { startHarness, type Harness } from '../ninjaone/harness';

jest.setTimeout(150_000);

const MODEL = 'Systran/faster-whisper-small';
const KEY = 'sk-engine-choice-0123456789abcdef';
const WRONG_KEY = 'sk-wrong-key-fedcba9876543210';

let h: Harness;
let sim: WhisperApiSim;
let running: RunningWhisperApiSim;
let worker: InProcessWorker | undefined;
const workerLogs: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  await h.t.transcriptionEvents.start();
  sim = createWhisperApiSim({ models: [MODEL], detectedLanguage: 'fr', apiKey: KEY });
  running = await sim.listen();
  // the built-in engine (generated test model): only the job's settings point it at the API
  worker = await startInProcessWorker(h.t, 'whisper-engine', {}, (msg, extra) =>
    workerLogs.push(`${msg} ${JSON.stringify(extra ?? {})}`),
  );
});

afterAll(async () => {
  await worker?.stop();
  await running?.close();
  await h?.close();
});

const body = (patch: Partial<WhisperSettingsUpdate>): WhisperSettingsUpdate => ({
  language: 'fr',
  prompt: null,
  vad: null,
  vadSensitivity: null,
  temperatureInc: 0,
  model: null,
  engine: { kind: 'openai-compatible', url: running.url, model: MODEL },
  ...patch,
});

async function uploadFrom(remoteNumber: string) {
  const speech = speak('Bonjour, ma caisse ne démarre plus.', 'fr');
  const wav = encodeWav([place(600 + msOf(speech) + 600, [{ atMs: 600, pcm: speech }])]);
  const res = await upload(h.t, h.agent.accessToken, wav, {
    ...callMeta({ remoteNumber }),
    sha256: sha256(wav),
  });
  expect(res.status).toBe(201);
  return UploadRecordingResponse.parse(res.body);
}

/** Everything the job holds in Redis: its data, as stored, and what BullMQ keeps beside it. */
async function redisJobText(recordingId: string): Promise<string> {
  const job = await h.t.queues.transcription.getJob(recordingId);
  expect(job).toBeTruthy();
  TranscriptionJob.parse(job!.data);
  const client = await h.t.queues.transcription.client;
  const key = `${h.t.queues.transcription.opts.prefix}:${h.t.queues.transcription.name}:${recordingId}`;
  const raw = await client.hgetall(key);
  expect(raw.data).toBeTruthy();
  return JSON.stringify(raw);
}

const everywhere = () => {
  expect(workerLogs.some((l) => l.startsWith('job started'))).toBe(true); // the worker's lines are here
  return [...h.logs, ...workerLogs, ...h.responses].join('\n');
};

describe('the engine chosen in /admin/whisper', () => {
  it('refuses a URL that is not http(s) with a clear 400 and stores nothing', async () => {
    for (const url of ['ftp://whisper:21/v1', 'not a url', 'http://user:pw@whisper:8000']) {
      const res = await h.api(
        'put',
        '/api/admin/whisper',
        body({ engine: { kind: 'openai-compatible', url, model: MODEL } }),
      );
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(/engine\.url.*http:\/\/ or https:\/\//);
    }
    const view = WhisperSettingsView.parse((await h.api('get', '/api/admin/whisper')).body);
    expect(view).toMatchObject({
      source: 'environment',
      apiKeySet: false,
      settings: { engine: null },
    });
  });

  it('keeps the key write-only: never returned, kept on an empty save, audited without it', async () => {
    const put = await h.api('put', '/api/admin/whisper', body({ apiKey: KEY }));
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ apiKeySet: true, settings: { engine: { url: running.url } } });
    const again = await h.api('put', '/api/admin/whisper', body({ apiKey: '' }));
    expect(again.status).toBe(200);
    const got = await h.api('get', '/api/admin/whisper', undefined);
    expect(got.body.apiKeySet).toBe(true);
    const supervisor = await h.t.userWithRole('supervisor');
    const read = await h.api('get', '/api/admin/whisper', undefined, supervisor.accessToken);
    expect(read.status).toBe(200);
    for (const r of [put, again, got, read]) expect(JSON.stringify(r.body)).not.toContain(KEY);
    // stored sealed
    const row = await h.t.models.Setting.findByPk('whisper.api-key');
    expect(row?.encrypted).toBe(true);
    expect(JSON.stringify(row?.value)).not.toContain(KEY);
    const audit = await h.t.models.AuditLog.findAll({ where: { targetId: 'whisper' } });
    expect(audit.map((a) => (a.details as { apiKey?: string }).apiKey)).toEqual([
      'replaced',
      'kept',
    ]);
    expect(JSON.stringify(audit.map((a) => a.toJSON()))).not.toContain(KEY);
    // only workers may ask for it, and only for the URL the settings name
    const asAdmin = await h.api(
      'get',
      `/internal/whisper-engine-key?url=${encodeURIComponent(running.url)}`,
    );
    expect(asAdmin.status).toBe(403);
    const other = await h.t.http
      .get('/internal/whisper-engine-key?url=http%3A%2F%2Fother%3A8000')
      .set('Authorization', `Bearer ${TEST_WORKER_TOKEN}`);
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ apiKey: null });
  });

  it('the connection test probes the endpoint with the stored key, only for the saved URL', async () => {
    sim.clearRequests();
    const probe = (b: object) => h.api('post', '/api/admin/whisper/test', b);
    const ok = await probe({ url: running.url, model: MODEL });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, status: 200 });
    expect(sim.requests().at(-1)?.authorization).toBe(`Bearer ${KEY}`);
    const wrong = await probe({ url: running.url, model: MODEL, apiKey: WRONG_KEY });
    expect(wrong.body).toMatchObject({ ok: false, status: 401 });
    expect(wrong.body.message).toMatch(/refused the API key/);
    // another URL typed in the form does not get the stored key
    const elsewhere = await probe({ url: `${running.url}/v1`, model: MODEL });
    expect(elsewhere.body).toMatchObject({ ok: false, status: 401 });
    expect(sim.requests().at(-1)?.authorization).toBeNull();
    const down = await probe({ url: 'http://127.0.0.1:9', model: MODEL });
    expect(down.body).toMatchObject({ ok: false, status: null });
    expect(down.body.message).toMatch(/could not reach/);
    expect((await probe({ url: 'file:///etc/passwd', model: MODEL })).status).toBe(400);
    expect(
      (
        await h.api(
          'post',
          '/api/admin/whisper/test',
          { url: running.url, model: MODEL },
          h.agent.accessToken,
        )
      ).status,
    ).toBe(403);
    for (const r of [ok, wrong, elsewhere, down]) expect(JSON.stringify(r.body)).not.toContain(KEY);
  });

  it('the next call is transcribed by the chosen server with the stored key, which is never in the job nor in a log', async () => {
    sim.clearRequests();
    const uploaded = await uploadFrom('+33 4 00 00 01 01');
    const redis = await redisJobText(uploaded.recording.id);
    expect(redis).toContain(running.url);
    expect(redis).toContain(MODEL);
    expect(redis).not.toContain(KEY);
    const row = await eventually(
      'transcript stored',
      async () => {
        const call = await h.t.models.Call.findByPk(uploaded.callId);
        if (call?.status === 'failed')
          throw new Error(`transcription failed: ${call.failureReason}`);
        return h.t.models.Transcript.findOne({ where: { callId: uploaded.callId } });
      },
      90_000,
    );
    const transcript = Transcript.parse((await h.api('get', `/api/transcripts/${row.id}`)).body);
    expect(transcript.settings).toMatchObject({
      engine: 'openai-compatible',
      model: MODEL,
      language: 'fr',
    });
    expect(transcript.language).toBe('fr');
    const reqs = sim.requests();
    expect(reqs.length).toBeGreaterThan(0);
    for (const r of reqs) {
      expect(r.authorization).toBe(`Bearer ${KEY}`);
      expect(r.fields.model).toEqual([MODEL]);
    }
    expect(worker!.worker.heartbeat.snapshot().applied).toMatchObject({
      engine: 'openai-compatible',
      model: MODEL,
    });
    expect(everywhere()).not.toContain(KEY);
  });

  it('a wrong key fails the job once, with a reason that names the setting and not the key', async () => {
    const put = await h.api('put', '/api/admin/whisper', body({ apiKey: WRONG_KEY }));
    expect(put.status).toBe(200);
    // the worker keeps a key 30 s; a refused one is forgotten, a replaced one waits its turn
    worker!.worker.engineKeys.forget(running.url);
    const uploaded = await uploadFrom('+33 4 00 00 01 02');
    const call = await eventually(
      'call failed',
      async () => {
        const c = await h.t.models.Call.findByPk(uploaded.callId);
        return c?.status === 'failed' ? c : null;
      },
      90_000,
    );
    expect(call.failureReason).toMatch(/refused the API key \(HTTP 401\).*\/admin\/whisper/);
    const job = await h.t.queues.transcription.getJob(uploaded.recording.id);
    expect(job!.attemptsMade).toBe(1);
    expect(job!.failedReason).not.toContain(WRONG_KEY);
    expect(everywhere()).not.toContain(WRONG_KEY);
    expect(everywhere()).not.toContain(KEY);
  });

  it('removes the key on demand (audited); the key route then answers null', async () => {
    const del = await h.t.http
      .delete('/api/admin/whisper/key')
      .set('Authorization', `Bearer ${h.admin.accessToken}`);
    expect(del.status).toBe(200);
    expect(del.body.apiKeySet).toBe(false);
    expect(del.body.settings.engine).toMatchObject({ url: running.url });
    const key = await h.t.http
      .get(`/internal/whisper-engine-key?url=${encodeURIComponent(running.url)}`)
      .set('Authorization', `Bearer ${TEST_WORKER_TOKEN}`);
    expect(key.body).toEqual({ apiKey: null });
    const audit = await h.t.models.AuditLog.findAll({
      where: { action: 'whisper.api-key.remove' },
    });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.toJSON())).not.toMatch(/sk-/);
  });
});

describe('the API document', () => {
  it('describes the key routes', async () => {
    const doc = (await h.t.http.get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths['/api/admin/whisper/key'] ?? {})).toEqual(['delete']);
    expect(Object.keys(doc.paths['/internal/whisper-engine-key'] ?? {})).toEqual(['get']);
  });
});
