/**
 * A browser restart: a recording waiting for the server survives it (IndexedDB) and is uploaded
 * after the restart; a call cut by the restart is closed and what was recorded is uploaded.
 */
import { analyseWav } from '../wav';
import {
  configureThroughOptions,
  openWebClient,
  serverRecording,
  startHarness,
  talk,
  waitForUpload,
  type Harness,
} from '@cwn/test-support/extension-harness';

jest.setTimeout(150_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await configureThroughOptions(h);
});
afterAll(async () => {
  await h?.close();
});

it('uploads after a browser restart what waited for the server, and what a restart cut off', async () => {
  await h.relay.down();
  let page = await openWebClient(h);
  const waiting = await talk(h, page, '+49 30 4444', 'Before Restart', 4);
  await waitForUpload(
    h,
    waiting.callId,
    (i) => i.status === 'pending' && !!i.lastError,
    'a failed attempt',
  );

  // A second call is still running when the browser goes away.
  const cut = h.fake.placeInboundCall('+49 30 5555', 'Cut Off');
  await page.click(`#call-${cut.connectionId} .btn-answer`);
  await page.waitForSelector(`#call-${cut.connectionId}[data-state=connected]`);
  await new Promise((r) => setTimeout(r, 3000));

  await h.restartBrowser();
  await h.relay.up();
  page = await openWebClient(h); // the agent opens 3CX again; the extension needs nothing else

  const first = await waitForUpload(
    h,
    waiting.callId,
    (i) => i.status === 'done',
    'the waiting upload after the restart',
    90_000,
  );
  expect(
    analyseWav((await serverRecording(h, first.serverRecordingId!, first.serverCallId!)).wav)
      .channels,
  ).toBe(2);
  const second = await waitForUpload(
    h,
    cut.callId,
    (i) => i.status === 'done',
    'the cut-off call after the restart',
    90_000,
  );
  const { call, wav } = await serverRecording(h, second.serverRecordingId!, second.serverCallId!);
  expect(call).toMatchObject({ remoteName: 'Cut Off' });
  const info = analyseWav(wav);
  expect(info.frames / info.sampleRate).toBeGreaterThan(1.5);
});
