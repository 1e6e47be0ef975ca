/**
 * The admins' Whisper settings and the call's NinjaOne vocabulary, end to end: stored with
 * PUT /api/admin/whisper, carried by the next call's job, applied by the REAL worker (here with
 * the OpenAI-compatible engine against the fake Whisper server, which records the language and
 * prompt each request carried) and recorded with the transcript. The names come from the NinjaOne
 * simulator: a call from a matched number gets that organization's names and no other's.
 */
import {
  Transcript,
  TranscriptionJob,
  UploadRecordingResponse,
  WhisperSettingsView,
  type WhisperSettings,
} from '@cwn/protocol';
import {
  createWhisperApiSim,
  type RunningWhisperApiSim,
  type WhisperApiSim,
} from '@cwn/whisper-api-sim';
import { encodeWav, msOf, place, speak } from '@cwn/test-support/worker-speech';
import { callMeta, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import { eventually } from '@cwn/test-support/eventually';
import { configure, startHarness, type Harness } from '../ninjaone/harness';

jest.setTimeout(150_000);

const MODEL = 'whisper-1';
/** Marc Dupont, end user of organization 1 (Boulangerie Dupont SARL) in the simulator's fixture. */
const DUPONT_NUMBER = '06 98 76 54 32';
const DUPONT_NAMES = [
  'Marc Dupont',
  'Boulangerie Dupont SARL',
  'Léa Moreau',
  'BOUL-CAISSE-01',
  'BOUL-ATELIER-PC',
];
/** Names of the fixture's other organizations, their people and devices. */
const OTHER_NAMES = [
  'Cabinet Martin',
  'Claire Martin',
  'MARTIN-SRV-01',
  'Acme',
  'Emma Brown',
  'Oliver Smith',
  'Northwind',
  'Jane Doe',
  'John Roe',
  'NW-RECEPTION',
  'Saint-Égrève',
];

let h: Harness;
let sim: WhisperApiSim;
let running: RunningWhisperApiSim;
let worker: InProcessWorker | undefined;

beforeAll(async () => {
  h = await startHarness();
  await configure(h);
  await h.t.transcriptionEvents.start();
  sim = createWhisperApiSim({ models: [MODEL], detectedLanguage: 'fr' });
  running = await sim.listen();
  worker = await startInProcessWorker(h.t, 'whisper-settings', {
    WHISPER_ENGINE: 'openai',
    WHISPER_API_URL: running.url,
    WHISPER_API_MODEL: MODEL,
    WHISPER_API_TIMEOUT_MS: '20000',
    WHISPER_LANGUAGE: 'auto',
    WHISPER_PROMPT: 'environment prompt',
  });
});

afterAll(async () => {
  await worker?.stop();
  await running?.close();
  await h?.close();
});

function monoCall(): Buffer {
  const speech = speak('Bonjour, ma caisse ne démarre plus.', 'fr');
  const totalMs = 600 + msOf(speech) + 600;
  return encodeWav([place(totalMs, [{ atMs: 600, pcm: speech }])]);
}

async function uploadFrom(remoteNumber: string) {
  const wav = monoCall();
  const res = await upload(h.t, h.agent.accessToken, wav, {
    ...callMeta({ remoteNumber }),
    sha256: sha256(wav),
  });
  expect(res.status).toBe(201);
  return UploadRecordingResponse.parse(res.body);
}

async function jobOf(recordingId: string): Promise<TranscriptionJob> {
  const job = await h.t.queues.transcription.getJob(recordingId);
  expect(job).toBeTruthy();
  return TranscriptionJob.parse(job!.data);
}

async function transcriptOf(callId: string): Promise<Transcript> {
  const row = await eventually(
    'transcript stored',
    async () => {
      const failed = await h.t.models.Call.findByPk(callId);
      if (failed?.status === 'failed') throw new Error('transcription failed');
      return h.t.models.Transcript.findOne({ where: { callId } });
    },
    90_000,
  );
  const res = await h.api('get', `/api/transcripts/${row.id}`);
  expect(res.status).toBe(200);
  return Transcript.parse(res.body);
}

const settings = (patch: Partial<WhisperSettings>): WhisperSettings => ({
  language: null,
  prompt: null,
  vad: null,
  vadSensitivity: null,
  temperatureInc: null,
  model: null,
  engine: null,
  ...patch,
});

describe('Whisper settings stored by the server', () => {
  it('start as the workers’ own environment; supervisors read them, agents may not', async () => {
    const res = await h.api('get', '/api/admin/whisper');
    expect(res.status).toBe(200);
    expect(WhisperSettingsView.parse(res.body)).toMatchObject({
      source: 'environment',
      settings: settings({}),
      defaults: settings({}),
    });
    expect(
      (await h.api('put', '/api/admin/whisper', settings({}), h.agent.accessToken)).status,
    ).toBe(403);
  });

  it('refuses a bad language or an unknown field and keeps what was stored', async () => {
    const bad = await h.api('put', '/api/admin/whisper', settings({ language: 'French' }));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/language/);
    const extra = await h.api('put', '/api/admin/whisper', { ...settings({}), beam: 9 });
    expect(extra.status).toBe(400);
    expect((await h.api('get', '/api/admin/whisper')).body.source).toBe('environment');
  });

  it('French and a prompt set by the admin reach the next call’s job, the worker and the transcript, with the caller’s organization’s names', async () => {
    const put = await h.api(
      'put',
      '/api/admin/whisper',
      settings({ language: 'fr', prompt: 'Kerberos, VPN Fortinet', temperatureInc: 0 }),
    );
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ source: 'admin', settings: { language: 'fr' } });
    sim.clearRequests();

    const uploaded = await uploadFrom(DUPONT_NUMBER);
    const job = await jobOf(uploaded.recording.id);
    expect(job.settings).toMatchObject({
      language: 'fr',
      prompt: 'Kerberos, VPN Fortinet',
      temperatureInc: 0,
    });
    // the matched person first, then the organization, its people, its devices
    expect(job.settings!.vocabulary!.slice(0, 2)).toEqual([
      'Marc Dupont',
      'Boulangerie Dupont SARL',
    ]);
    for (const name of DUPONT_NAMES) expect(job.settings!.vocabulary).toContain(name);
    const vocabulary = JSON.stringify(job.settings!.vocabulary);
    for (const name of OTHER_NAMES) expect(vocabulary).not.toContain(name);

    const transcript = await transcriptOf(uploaded.callId);
    expect(transcript.settings).toMatchObject({
      engine: 'openai-compatible',
      model: MODEL,
      missingModel: null,
      language: 'fr',
      temperatureInc: 0,
    });
    const prompt = transcript.settings!.prompt;
    for (const name of DUPONT_NAMES) expect(prompt).toContain(name);
    for (const name of OTHER_NAMES) expect(prompt).not.toContain(name);
    expect(prompt.endsWith('Kerberos, VPN Fortinet')).toBe(true);
    expect(prompt).not.toContain('environment prompt');
    // what the Whisper server actually received
    const reqs = sim.requests();
    expect(reqs.length).toBeGreaterThan(0);
    for (const r of reqs) {
      expect(r.fields.language).toEqual(['fr']);
      expect(r.fields.prompt).toEqual([prompt]);
    }
    // the worker announces what it applied
    expect(worker!.worker.heartbeat.snapshot().applied).toMatchObject({ language: 'fr', prompt });
  });

  it('a call from a number NinjaOne does not know carries no names; its prompt is the admins’', async () => {
    const uploaded = await uploadFrom('+33 4 00 00 00 01');
    const job = await jobOf(uploaded.recording.id);
    expect(job.settings?.vocabulary).toBeUndefined();
    const transcript = await transcriptOf(uploaded.callId);
    expect(transcript.settings!.prompt).toBe('Kerberos, VPN Fortinet');
  });

  it('a model the worker lacks is reported by the transcript and the heartbeat, not silently ignored', async () => {
    expect(
      (await h.api('put', '/api/admin/whisper', settings({ language: 'fr', model: 'large-v3' })))
        .status,
    ).toBe(200);
    const uploaded = await uploadFrom('+33 4 00 00 00 02');
    expect((await jobOf(uploaded.recording.id)).settings?.model).toBe('large-v3');
    const transcript = await transcriptOf(uploaded.callId);
    expect(transcript.settings).toMatchObject({ model: MODEL, missingModel: 'large-v3' });
    const beat = worker!.worker.heartbeat.snapshot();
    expect(beat.models).toEqual([MODEL]);
    expect(beat.missingModels).toEqual(['large-v3']);
  });

  it('back to the environment: the next job carries nulls and the worker’s own prompt applies', async () => {
    const del = await h.t.http
      .delete('/api/admin/whisper')
      .set('Authorization', `Bearer ${h.admin.accessToken}`);
    expect(del.status).toBe(200);
    expect(del.body.source).toBe('environment');
    const uploaded = await uploadFrom('+33 4 00 00 00 03');
    expect((await jobOf(uploaded.recording.id)).settings).toEqual(settings({}));
    const transcript = await transcriptOf(uploaded.callId);
    expect(transcript.settings).toMatchObject({ language: 'auto', prompt: 'environment prompt' });
    expect(transcript.language).toBe('fr'); // detected by the fake server, none asked
    const audit = await h.t.models.AuditLog.findAll({ where: { targetId: 'whisper' } });
    expect(audit.map((a) => a.action).sort()).toEqual([
      'whisper.settings.reset',
      'whisper.settings.update',
      'whisper.settings.update',
    ]);
  });
});

describe('NinjaOne failing', () => {
  it('the call is still queued and transcribed, without names, and no log line holds the number', async () => {
    h.t.ninjaone.directory.clear();
    h.sim.sim.injectFault({ route: 'GET /v2/contacts', status: 500, count: 50 });
    h.sim.sim.injectFault({ route: 'GET /v2/user/end-users', status: 500, count: 50 });
    const before = h.logs.length;
    try {
      const uploaded = await uploadFrom(DUPONT_NUMBER);
      expect((await jobOf(uploaded.recording.id)).settings?.vocabulary).toBeUndefined();
      expect((await transcriptOf(uploaded.callId)).settings!.prompt).toBe('environment prompt');
      // the lookup did reach NinjaOne, which failed it
      expect(
        h.sim.sim.requests({ method: 'GET', path: '/v2/contacts' }).some((r) => r.status === 500),
      ).toBe(true);
    } finally {
      h.sim.sim.clearFaults();
    }
    const lines = h.logs.slice(before).join('\n');
    for (const written of ['98 76 54 32', '98765432']) expect(lines).not.toContain(written);
  });
});

describe('the API document', () => {
  it('describes the Whisper settings routes', async () => {
    const doc = (await h.t.http.get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths['/api/admin/whisper'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'put',
    ]);
  });
});
