/**
 * @jest-environment ./src/live/windowing/native-realm.jest-environment.js
 */
/**
 * Live windows carry the admins' Whisper settings and the call's NinjaOne vocabulary too
 * (decision 1611): each window job's prompt is the matched organization's names and the admins'
 * vocabulary, then its channel's latest text, bounded; its settings carry the language and the
 * rest. NinjaOne is the simulator; the window worker is the live tests' stand-in.
 */
import { estimateWhisperTokens, WHISPER_PROMPT_MAX_TOKENS } from '@cwn/protocol';
import { eventually } from '@cwn/test-support/eventually';
import { configure, startHarness, type Harness } from '../ninjaone/harness';
import {
  as,
  openLive,
  startWindowWorker,
  stream,
  twoSidedCall,
  type WindowWorker,
} from './live-kit';

jest.setTimeout(120_000);

const { pcm: CALL } = twoSidedCall();
let h: Harness;
let worker: WindowWorker;

beforeAll(async () => {
  h = await startHarness();
  await configure(h);
  worker = startWindowWorker(h.t);
});
afterAll(async () => {
  await worker?.stop();
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

it('each window job carries the settings, and a prompt of the organization’s names, the admins’ vocabulary and its channel’s text', async () => {
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
      const mine = worker.done.filter((d) => d.id.includes(id));
      return mine.length >= 3 && mine;
    },
    60_000,
  );
  const head = 'Marc Dupont, Boulangerie Dupont SARL,';
  for (const { job } of jobs) {
    expect(job.settings).toEqual({
      language: 'fr',
      vad: true,
      vadSensitivity: 70,
      temperatureInc: null,
      model: null,
    });
    expect(job.prompt.startsWith(head)).toBe(true);
    expect(job.prompt).toContain('BOUL-CAISSE-01');
    expect(job.prompt).toContain('. Kerberos, VPN Fortinet');
    for (const other of ['Martin', 'Acme', 'Northwind', 'Jane Doe', 'Emma Brown'])
      expect(job.prompt).not.toContain(other);
    expect(estimateWhisperTokens(job.prompt)).toBeLessThanOrEqual(WHISPER_PROMPT_MAX_TOKENS);
  }
  // after a channel's first window, its latest text closes the prompt
  const later = jobs.filter((d) => /window \d+$/.test(d.job.prompt));
  expect(later.length).toBeGreaterThan(0);
  for (const { job } of later)
    expect(job.prompt).toMatch(new RegExp(`Fortinet ${job.channel} window \\d+$`));
  const closed = await h.t.http
    .post(`/api/live-recordings/${id}/close`)
    .set(as(h.agent))
    .send({ totalBytes: CALL.length });
  expect(closed.status).toBe(200);
});
