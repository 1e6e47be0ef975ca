import { Transcript, TranscriptEditList, type TokenPair } from '@cwn/protocol';
import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { sampleResult, seedCallWithRecording } from '@cwn/test-support/transcript-fixtures';
import { launchPhone, type Phone } from '@cwn/test-support/pwa-browser';
import { DIST_DIR } from '@cwn/test-support/pwa-build';
import { serveDist, type StaticSite } from '@cwn/test-support/static-server';

jest.setTimeout(90_000);

let site: StaticSite;
let server: TestApp;
let phone: Phone;
let page: Page;
let manager: TokenPair;
let colleague: TokenPair;

beforeAll(async () => {
  site = await serveDist(DIST_DIR);
  server = await startTestApp({ CORS_ORIGINS: site.url });
  manager = await server.userWithRole('manager');
  colleague = await server.userWithRole('manager');
  phone = await launchPhone();
  page = phone.context.pages()[0] ?? (await phone.context.newPage());
});

afterAll(async () => {
  await phone?.close();
  await server?.close();
  await site?.close();
});

const auth = (p: TokenPair) => ({ Authorization: `Bearer ${p.accessToken}` });

/** A draft transcript stored the way the transcription pipeline stores it. */
async function draftTranscript(): Promise<{ callId: string; transcript: Transcript }> {
  const agent = await server.userWithRole('agent');
  const { callId, recordingId } = await seedCallWithRecording(server.models, agent.user.id, {
    status: 'transcribing',
  });
  const state = (await server.services.transcripts.recordingStates([recordingId])).get(
    recordingId,
  )!;
  expect(await server.services.transcripts.persistResult(state, sampleResult())).toBe('stored');
  const row = await server.models.Transcript.findOne({ where: { recordingId } });
  const res = await server.http.get(`/api/transcripts/${row!.id}`).set(auth(manager));
  return { callId, transcript: Transcript.parse(res.body) };
}

async function editsOf(id: string) {
  return TranscriptEditList.parse(
    (await server.http.get(`/api/transcripts/${id}/edits`).set(auth(manager))).body,
  ).items;
}

async function editOffline(text: string): Promise<void> {
  await phone.context.setOffline(true);
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('textbox', { name: 'Caller 0:01' }).fill(text);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('outbox-pending').waitFor();
}

describe('offline edits against the real transcripts API', () => {
  it('an edit made offline is sent once when the connection returns', async () => {
    const { callId, transcript } = await draftTranscript();
    await page.goto(site.url);
    await page.evaluate(
      ({ url, tokens }) => {
        localStorage.setItem('cwn.server', url);
        localStorage.setItem('cwn.session', JSON.stringify(tokens));
      },
      { url: server.url(), tokens: manager },
    );
    await page.goto(`${site.url}/calls/${callId}`);
    await page.getByText('Mon imprimante ne marche plus.').waitFor();

    await editOffline('Mon imprimante HP ne marche plus.');
    expect(await editsOf(transcript.id)).toEqual([]);

    await phone.context.setOffline(false);
    await page.getByTestId('outbox-pending').waitFor({ state: 'detached' });
    // Another trigger (the app shown again) finds nothing left to send.
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));

    const edits = await editsOf(transcript.id);
    expect(edits).toHaveLength(1);
    expect(edits[0]!.segmentsAfter[1]!.text).toBe('Mon imprimante HP ne marche plus.');
    const now = Transcript.parse(
      (await server.http.get(`/api/transcripts/${transcript.id}`).set(auth(manager))).body,
    );
    expect(now.version).toBe(2);
  });

  it('409: a colleague changed it meanwhile; both versions are shown and the manager’s choice wins', async () => {
    const { callId, transcript } = await draftTranscript();
    await page.goto(`${site.url}/calls/${callId}`);
    await page.getByText('Mon imprimante ne marche plus.').waitFor();

    await editOffline('Version du manager.');
    const theirs = transcript.segments.map((s, i) =>
      i === 2 ? { ...s, text: 'Version du collègue.' } : s,
    );
    const res = await server.http
      .patch(`/api/transcripts/${transcript.id}`)
      .set(auth(colleague))
      .send({ version: 1, segments: theirs });
    expect(res.status).toBe(200);

    await phone.context.setOffline(false);
    const conflict = page.getByTestId('conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('Version du manager.');
    expect(await conflict.textContent()).toContain('Version du collègue.');

    await conflict.getByRole('button', { name: 'Keep mine' }).click();
    await conflict.waitFor({ state: 'detached' });
    await page.getByTestId('outbox-pending').waitFor({ state: 'detached' });

    const edits = await editsOf(transcript.id);
    expect(edits.map((e) => e.version)).toEqual([2, 3]);
    expect(edits[1]!.segmentsAfter.map((s) => s.text)).toContain('Version du manager.');
  });

  it('validates a transcript (offline first, sent once back online)', async () => {
    const { callId, transcript } = await draftTranscript();
    await page.goto(`${site.url}/calls/${callId}`);
    await page.getByText('Mon imprimante ne marche plus.').waitFor();

    await phone.context.setOffline(true);
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByTestId('outbox-pending').waitFor();
    await page.getByText('Validated', { exact: true }).waitFor();

    await phone.context.setOffline(false);
    await page.getByTestId('outbox-pending').waitFor({ state: 'detached' });
    const now = Transcript.parse(
      (await server.http.get(`/api/transcripts/${transcript.id}`).set(auth(manager))).body,
    );
    expect(now).toMatchObject({ status: 'validated', version: 1, validatedBy: manager.user.id });
  });
});
