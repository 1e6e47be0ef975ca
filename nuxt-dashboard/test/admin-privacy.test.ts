import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { SubjectExport, type TokenPair } from '@cwn/protocol';
import type { TestApp } from '@cwn/test-support/app';
import { callMeta, makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { sampleResult } from '@cwn/test-support/transcript-fixtures';
import { startDashboardHarness, type DashboardHarness } from '@cwn/test-support/dashboard-harness';
import { readZip } from '@cwn/test-support/zip';

/**
 * The admin's privacy page in Chromium against the real server: a caller's number typed in its
 * national form finds the calls written "+33 …" and "0033 …"; the export is previewed, then
 * downloaded as one ZIP (export.json and the decrypted WAV, unzipped here); the erasure is
 * previewed (nothing changes), then done: the calls, their audio and transcript are gone.
 */
// A database of its own: its calls and agents must not show on the wallboard test's screen.
let h: DashboardHarness;
let t: TestApp;
let admin: TokenPair;
let agent: TokenPair;

// A number of this run's own (the dashboard tests share a database): Paris, random subscriber.
const two = () => String(randomInt(10, 100));
const DIGITS = [`7${randomInt(0, 10)}`, two(), two(), two()];
const INTERNATIONAL = `+33 1 ${DIGITS.join(' ')}`;
const ZEROS = `00331${DIGITS.join('')}`;
const NATIONAL = `01 ${DIGITS.join(' ')}`;

beforeAll(async () => {
  h = await startDashboardHarness({
    ownDatabase: 'dash_privacy',
    redisTag: 'privacy',
    // the live session's windower (Silero needs the native-realm test environment)
    env: () => ({ LIVE_VAD: 'energy' }),
    app: { ninjaone: { ticketWorker: false } },
  });
  ({ t } = h);
  admin = await t.userWithRole('admin');
  agent = await t.userWithRole('agent');
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const signedIn = (pair: TokenPair): Promise<Page> => h.signedIn(pair);

async function uploadedCall(remoteNumber: string) {
  const wav = makeWav({ frames: 5 * 16000 });
  const res = await upload(t, agent.accessToken, wav, {
    ...callMeta({ remoteNumber }),
    sha256: sha256(wav),
  });
  expect(res.status).toBe(201);
  return { callId: res.body.callId as string, recordingId: res.body.recording.id as string, wav };
}

/** A call of `remoteNumber` still in progress, streamed live: its session holds `pcm` so far. */
async function liveCall(remoteNumber: string) {
  const auth = bearer(agent);
  const call = await t.http
    .post('/api/calls')
    .set(auth)
    .send({
      direction: 'inbound',
      pbxCallId: `pbx-privacy-live-${process.pid}-${Date.now().toString(36)}`,
      startedAt: new Date().toISOString(),
      remoteNumber,
    });
  expect(call.status).toBe(201);
  await t.http.patch(`/api/calls/${call.body.id}`).set(auth).send({ event: 'answered' });
  const opened = await t.http
    .post(`/api/calls/${call.body.id}/live`)
    .set(auth)
    .send({ format: { sampleRate: 16000, channels: 2, encoding: 's16le' } });
  expect(opened.status).toBe(201);
  // one second of stereo PCM (the data of a WAV like the uploads')
  const pcm = makeWav({ frames: 16000, channels: 2 }).subarray(44);
  const appended = await t.http
    .put(`/api/live-recordings/${opened.body.id}/audio`)
    .set(auth)
    .set('Content-Type', 'application/octet-stream')
    .set('Upload-Offset', '0')
    .send(pcm);
  expect(appended.status).toBe(200);
  return { callId: call.body.id as string, liveId: opened.body.id as string, pcm };
}

const count = (page: Page, key: string) =>
  page.locator(`[data-test=privacy-counts] [data-count=${key}] strong`).innerText();
const label = (page: Page, key: string) =>
  page.locator(`[data-test=privacy-counts] [data-count=${key}]`).innerText();

describe('privacy page', () => {
  it('exports, then erases, everything for a number typed in another form', async () => {
    const a = await uploadedCall(INTERNATIONAL);
    const b = await uploadedCall(ZEROS);
    const c = await liveCall(INTERNATIONAL);
    const state = (await t.services.transcripts.recordingStates([a.recordingId])).get(
      a.recordingId,
    )!;
    await t.services.transcripts.markActive(state);
    expect(
      await t.services.transcripts.persistResult(
        { ...state, callStatus: 'transcribing' },
        sampleResult(),
      ),
    ).toBe('stored');

    const page = await signedIn(admin);
    await page.click('nav >> text=Privacy');
    await page.waitForURL('**/admin/privacy');
    await page.fill('input[name=number]', NATIONAL);

    // Export: the preview, then the ZIP.
    await page.click('[data-test=export-preview]');
    await page.waitForSelector('[data-test=privacy-report][data-dry-run=true]');
    expect(await count(page, 'calls')).toBe('3');
    // the two recordings and the live session's log
    expect(await count(page, 'audioFiles')).toBe('3');
    expect(await count(page, 'transcripts')).toBe('1');
    expect(await count(page, 'liveRecordings')).toBe('1');
    expect(await label(page, 'liveRecordings')).toContain('Live recordings');
    const rows = await page.locator('[data-test=privacy-calls] tbody tr').allInnerTexts();
    expect(rows.join('\n')).toContain(INTERNATIONAL);
    expect(rows.join('\n')).toContain(ZEROS);
    const download = page.waitForEvent('download');
    await page.click('[data-test=export-download]');
    const file = await (await download).path();
    await page.waitForSelector('[data-test=export-done]');
    const zip = await readZip(readFileSync(file));
    const doc = SubjectExport.parse(JSON.parse(zip.get('export.json')!.toString('utf8')));
    expect(doc.calls.map((c) => c.id).sort()).toEqual([a.callId, b.callId, c.callId].sort());
    const live = doc.calls.find((x) => x.id === c.callId)!.liveRecordings[0]!;
    expect(live).toMatchObject({ id: c.liveId, state: 'open', bytesHeld: c.pcm.length });
    expect(zip.get(live.audioFile!)!.subarray(44).equals(c.pcm)).toBe(true);
    expect(doc.calls.find((c) => c.id === a.callId)!.transcript!.segments).toEqual(
      sampleResult().segments,
    );
    for (const c of [a, b]) expect(zip.get(`audio/${c.recordingId}.wav`)!.equals(c.wav)).toBe(true);

    // Erasure, in French: the preview changes nothing; then it goes.
    await page.selectOption('select[aria-label=Language]', 'fr');
    await page.click('[data-test=erase-preview]');
    await page.waitForSelector('[data-test=erase-confirm]');
    expect(await count(page, 'calls')).toBe('3');
    expect(await count(page, 'liveRecordings')).toBe('1');
    expect(await label(page, 'liveRecordings')).toContain('Enregistrements en direct');
    expect(await t.models.Call.count({ where: { id: [a.callId, b.callId, c.callId] } })).toBe(3);
    expect(
      (await t.http.get(`/api/recordings/${a.recordingId}/audio`).set(bearer(admin))).status,
    ).toBe(200);
    await page.click('[data-test=erase-confirm]');
    await page.waitForSelector('[data-test=erase-done]');
    expect(await page.locator('[data-test=privacy-report]').getAttribute('data-dry-run')).toBe(
      'false',
    );
    expect(await count(page, 'audioFiles')).toBe('3');
    expect(await count(page, 'liveRecordings')).toBe('1');
    expect(await t.models.Call.count({ where: { id: [a.callId, b.callId, c.callId] } })).toBe(0);
    expect(await t.models.Transcript.count({ where: { callId: a.callId } })).toBe(0);
    for (const c of [a, b])
      expect(
        (await t.http.get(`/api/recordings/${c.recordingId}/audio`).set(bearer(admin))).status,
      ).toBe(404);

    // Again: nothing is left for that number.
    await page.click('[data-test=erase-preview]');
    await page.waitForSelector('[data-test=nothing-found]');
    expect(await page.locator('[data-test=nothing-found]').innerText()).toContain(
      'Rien n’est conservé',
    );
    expect(await page.locator('[data-test=erase-confirm]').count()).toBe(0);
    await page.close();
  });
});

const bearer = (p: TokenPair) => ({ Authorization: `Bearer ${p.accessToken}` });
