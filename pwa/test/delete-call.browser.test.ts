import type { Page } from 'playwright-core';
import type { TokenPair } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { launchPhone, type Phone } from '@cwn/test-support/pwa-browser';
import { DIST_DIR } from '@cwn/test-support/pwa-build';
import { callMeta, makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { serveDist, type StaticSite } from '@cwn/test-support/static-server';
import { sampleResult } from '@cwn/test-support/transcript-fixtures';

/**
 * Deleting one call from the call view (managers and admins): the button shows first what will go,
 * then the call, its audio and transcript are gone on the server and from the device's copy.
 * Agents get no such button.
 */
jest.setTimeout(90_000);

let site: StaticSite;
let server: TestApp;
let phone: Phone;
let page: Page;

beforeAll(async () => {
  site = await serveDist(DIST_DIR);
  server = await startTestApp({ CORS_ORIGINS: site.url }, { ninjaone: { ticketWorker: false } });
  phone = await launchPhone('en-US');
  page = phone.context.pages()[0] ?? (await phone.context.newPage());
});

afterAll(async () => {
  await phone?.close();
  await server?.close();
  await site?.close();
});

async function signIn(tokens: TokenPair): Promise<void> {
  await page.goto(site.url);
  await page.evaluate(
    ({ apiUrl, tokens }) => {
      localStorage.setItem('cwn.server', apiUrl);
      localStorage.setItem('cwn.session', JSON.stringify(tokens));
    },
    { apiUrl: server.url(), tokens },
  );
}

/** Transcripts of the call this device keeps (IndexedDB). */
const keptTranscripts = (callId: string) =>
  page.evaluate(async (callId) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('cwn-pwa');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const all = await new Promise<Array<{ transcript: { callId: string } }>>((resolve) => {
      const req = db.transaction('transcripts').objectStore('transcripts').getAll();
      req.onsuccess = () => resolve(req.result);
    });
    db.close();
    return all.filter((c) => c.transcript.callId === callId).length;
  }, callId);

it('a manager deletes a call after seeing what goes; an agent cannot', async () => {
  const agent = await server.userWithRole('agent');
  const manager = await server.userWithRole('manager');
  const wav = makeWav({ frames: 5 * 16000 });
  const up = await upload(server, agent.accessToken, wav, {
    ...callMeta({ remoteNumber: '+33 1 45 00 11 22' }),
    sha256: sha256(wav),
  });
  expect(up.status).toBe(201);
  const { callId } = up.body as { callId: string };
  const recordingId = up.body.recording.id as string;
  const state = (await server.services.transcripts.recordingStates([recordingId])).get(
    recordingId,
  )!;
  await server.services.transcripts.markActive(state);
  await server.services.transcripts.persistResult(
    { ...state, callStatus: 'transcribing' },
    sampleResult(),
  );

  // The agent sees the call, without a delete button.
  await signIn(agent);
  await page.goto(`${site.url}/calls/${callId}`);
  await page.getByTestId('segment').first().waitFor();
  expect(await page.getByTestId('delete-call').count()).toBe(0);

  await signIn(manager);
  await page.goto(`${site.url}/calls/${callId}`);
  await page.getByTestId('segment').first().waitFor();
  expect(await keptTranscripts(callId)).toBe(1);
  await page.getByTestId('delete-call').click();
  const plan = page.getByTestId('delete-plan');
  await plan.waitFor();
  expect(await plan.innerText()).toContain('1 recording(s)');
  expect(await plan.innerText()).toContain('1 transcript(s)');
  // The preview deleted nothing.
  const admin = await server.userWithRole('admin');
  const auth = { Authorization: `Bearer ${admin.accessToken}` };
  expect((await server.http.get(`/api/calls/${callId}`).set(auth)).status).toBe(200);

  await page.getByTestId('delete-confirm').click();
  await page.waitForURL((u) => u.pathname === '/');
  expect((await server.http.get(`/api/calls/${callId}`).set(auth)).status).toBe(404);
  expect((await server.http.get(`/api/recordings/${recordingId}/audio`).set(auth)).status).toBe(
    404,
  );
  expect(await keptTranscripts(callId)).toBe(0);
  expect(
    await server.models.AuditLog.count({
      where: { action: 'call.delete', targetId: callId, actorId: manager.user.id },
    }),
  ).toBe(1);
});
