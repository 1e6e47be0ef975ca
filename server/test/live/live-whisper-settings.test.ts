/**
 * @jest-environment @cwn/test-support/native-realm.jest-environment
 */
/**
 * Live windows carry the admins' Whisper settings and the call's NinjaOne vocabulary too
 * (decision 1611): each window job's settings carry the matched organization's names, the admins'
 * vocabulary, the language and the rest, and its context its channel's latest text; the worker
 * builds the prompt from them as for a whole call (`composeWhisperPrompt`), and the call's
 * transcript records what the latest window applied. NinjaOne is the simulator; the window worker
 * a stand-in that builds the prompt and reports the settings as a worker does.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  QUEUES,
  TranscribeWindowJob,
  Transcript,
  composeWhisperPrompt,
  estimateWhisperTokens,
  WHISPER_PROMPT_MAX_TOKENS,
  type TranscribeWindowResult,
} from '@cwn/protocol';
import { eventually } from '@cwn/test-support/eventually';
import { TEST_REDIS_URL } from '@cwn/test-support/services';
import { configure, startHarness, type Harness } from '../ninjaone/harness';
import { as, openLive, stream, twoSidedCall } from './live-kit';

jest.setTimeout(120_000);

const { pcm: CALL } = twoSidedCall();
let h: Harness;
let connection: Redis;
let worker: Worker;
const done: { id: string; job: TranscribeWindowJob; prompt: string }[] = [];

/**
 * Stands in for the worker on window jobs, as the live tests' does, and reports the settings it
 * "applied" (the job's, with the prompt built from them) as a worker does in its result.
 */
function startReportingWindowWorker(): Worker {
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const w = new Worker(
    QUEUES.transcription,
    async (j): Promise<TranscribeWindowResult> => {
      const job = TranscribeWindowJob.parse(j.data);
      const prompt = composeWhisperPrompt({
        vocabulary: job.settings?.vocabulary,
        prompt: job.settings?.prompt,
        context: job.context,
      });
      done.push({ id: j.id!, job, prompt });
      return {
        segments: [
          {
            speaker: job.channel,
            startMs: Math.round(job.startSample / 16),
            endMs: Math.round(job.endSample / 16),
            text: `${job.channel} window ${job.startSample}`,
          },
        ],
        language: 'fr',
        model: 'fake-window-model',
        engine: 'test',
        settings: {
          engine: 'test',
          model: 'fake-window-model',
          missingModel: null,
          language: job.settings?.language ?? 'auto',
          prompt,
          vad: job.settings?.vad ?? true,
          vadSensitivity: job.settings?.vadSensitivity ?? 50,
          temperatureInc: job.settings?.temperatureInc ?? 0.2,
        },
      };
    },
    { connection, prefix: h.t.config.redisPrefix, concurrency: 2 },
  );
  w.on('error', () => undefined);
  return w;
}

beforeAll(async () => {
  h = await startHarness();
  await configure(h);
  worker = startReportingWindowWorker();
});
afterAll(async () => {
  await worker?.close();
  connection?.disconnect();
  await h?.close();
});

async function callFrom(remoteNumber: string): Promise<string> {
  const res = await h.t.http
    .post('/api/calls')
    .set(as(h.agent))
    .send({
      direction: 'inbound',
      remoteNumber,
      pbxCallId: `pbx-live-whisper-${process.pid}-${Date.now().toString(36)}`,
      startedAt: new Date().toISOString(),
    });
  expect(res.status).toBe(201);
  await h.t.http.patch(`/api/calls/${res.body.id}`).set(as(h.agent)).send({ event: 'answered' });
  return res.body.id as string;
}

it('each window job carries the settings, the organization’s names, the admins’ vocabulary and its channel’s text, which make its prompt', async () => {
  const put = await h.api('put', '/api/admin/whisper', {
    language: 'fr',
    prompt: 'Kerberos, VPN Fortinet',
    vad: true,
    vadSensitivity: 70,
    temperatureInc: null,
    model: null,
  });
  expect(put.status).toBe(200);
  const callId = await callFrom('06 98 76 54 32'); // Marc Dupont, Boulangerie Dupont SARL
  const id = await openLive(h.t, h.agent, callId);
  await stream(h.t, h.agent, id, CALL);
  const jobs = await eventually(
    'windows of both channels transcribed',
    () => {
      const mine = done.filter((d) => d.id.includes(id));
      return mine.length >= 3 && mine;
    },
    60_000,
  );
  const head = 'Marc Dupont, Boulangerie Dupont SARL,';
  for (const { job, prompt } of jobs) {
    expect(job.settings).toMatchObject({
      language: 'fr',
      prompt: 'Kerberos, VPN Fortinet',
      vad: true,
      vadSensitivity: 70,
      temperatureInc: null,
      model: null,
      engine: null, // each worker's own engine (decision 1612)
    });
    expect(prompt.startsWith(head)).toBe(true);
    expect(prompt).toContain('BOUL-CAISSE-01');
    expect(prompt).toContain('. Kerberos, VPN Fortinet');
    for (const other of ['Martin', 'Acme', 'Northwind', 'Jane Doe', 'Emma Brown'])
      expect(prompt).not.toContain(other);
    expect(estimateWhisperTokens(prompt)).toBeLessThanOrEqual(WHISPER_PROMPT_MAX_TOKENS);
  }
  // after a channel's first window, its latest text closes the prompt
  const later = jobs.filter((d) => /window \d+$/.test(d.job.context));
  expect(later.length).toBeGreaterThan(0);
  for (const { job, prompt } of later)
    expect(prompt).toMatch(new RegExp(`Fortinet ${job.channel} window \\d+$`));
  const closed = await h.t.http
    .post(`/api/live-recordings/${id}/close`)
    .set(as(h.agent))
    .send({ totalBytes: CALL.length });
  expect(closed.status).toBe(200);

  // the call's transcript records the settings of its latest window
  const transcript = await eventually(
    'the transcript',
    async () => {
      const res = await h.t.http.get(`/api/calls/${callId}/transcript`).set(as(h.agent));
      return res.body.transcript ? Transcript.parse(res.body.transcript) : null;
    },
    30_000,
  );
  const last = [...jobs].sort((a, b) => b.job.startSample - a.job.startSample)[0]!;
  expect(transcript.settings).toEqual({
    engine: 'test',
    model: 'fake-window-model',
    missingModel: null,
    language: 'fr',
    prompt: last.prompt,
    vad: true,
    vadSensitivity: 70,
    temperatureInc: 0.2,
  });
});
