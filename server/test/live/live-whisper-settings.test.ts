/**
 * @jest-environment @cwn/test-support/native-realm.jest-environment
 */
/**
 * Live windows carry the admins' Whisper settings and the call's NinjaOne vocabulary too
 * (decision 1611): each window job's settings carry the matched organization's names, the admins'
 * vocabulary, the language and the rest, and its context its channel's latest text; the worker
 * builds the prompt from them as for a whole call (`composeWhisperPrompt`), and the call's
 * transcript records what the latest window applied. NinjaOne is the simulator; the worker is the
 * real one (generated model), which reports the settings and prompt it applied to each window.
 */
import {
  TranscribeWindowJob,
  Transcript,
  estimateWhisperTokens,
  WHISPER_PROMPT_MAX_TOKENS,
} from '@cwn/protocol';
import { eventually } from '@cwn/test-support/eventually';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import { configure, startHarness, type Harness } from '../ninjaone/harness';
import { as, openLive, stopWorker, stream, twoSidedCall } from './live-kit';

jest.setTimeout(120_000);

const { pcm: CALL, utterances } = twoSidedCall();
let h: Harness;
let worker: InProcessWorker;

beforeAll(async () => {
  h = await startHarness();
  await configure(h);
  worker = await startInProcessWorker(h.t, 'live-whisper');
});
afterAll(async () => {
  await stopWorker(worker);
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
  const repo = h.t.live.service['d'].repo;
  const done = async () => {
    const w = await repo.windowsOf({ kind: 'live', id });
    return w.length > 0 && w.every((x) => x.state === 'done') ? w : null;
  };
  // As in a call, the agent's second turn comes once the worker has the first windows' text.
  const afterCaller = (utterances[1]!.end + 12_000) * 4;
  await stream(h.t, h.agent, id, CALL, 0, afterCaller);
  await eventually('the first windows transcribed', done, 60_000);
  await stream(h.t, h.agent, id, CALL, afterCaller);
  const windows = (await eventually('every window transcribed', done, 60_000))!;
  expect(windows.length).toBeGreaterThanOrEqual(3);
  const jobs = await Promise.all(
    windows.map(async (w) => {
      const job = await h.t.queues.transcription.getJob(
        `window-live-${id}-${w.channel}-${w.startSample}`,
      );
      // the prompt the worker built and applied, as it reported it
      return { w, job: TranscribeWindowJob.parse(job!.data), prompt: w.settings!.prompt };
    }),
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
  const later = jobs.filter((d) => d.job.context !== '');
  expect(later.some((d) => d.w.channel === 'agent')).toBe(true);
  for (const { job, prompt } of later) expect(prompt.endsWith(job.context)).toBe(true);
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
  const all = await repo.windowsOf({ kind: 'live', id });
  const last = [...all].sort((a, b) => b.startSample - a.startSample)[0]!;
  expect(transcript.settings).toEqual(last.settings);
  expect(transcript.settings).toMatchObject({
    engine: 'whisper.cpp',
    language: 'fr',
    vad: true,
    vadSensitivity: 70,
  });
  expect(transcript.settings!.prompt.startsWith(head)).toBe(true);
});
