/**
 * The fallback: a web client whose peer connections the page hook cannot see (they come from a
 * pristine iframe) is recorded from the tab's audio (caller) and the microphone (agent) after the
 * agent's one click in the popup.
 */
import { analyseWav, analyseWindow } from '../wav';
import {
  AGENT_HZ,
  CALLER_HZ,
  configureThroughOptions,
  openWebClient,
  serverRecording,
  startHarness,
  talk,
  waitForUpload,
  type Harness,
} from '@cwn/test-support/extension-harness';

jest.setTimeout(120_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ allowTabCapture: true });
  await configureThroughOptions(h);
});
afterAll(async () => {
  await h?.close();
});

it('records a call the hook cannot see through tab capture + microphone', async () => {
  const page = await openWebClient(h, '?pc=iframe');
  const popup = await h.ctx.newPage();
  await popup.goto(`chrome-extension://${h.extensionId}/popup/popup.html`);
  await popup.click('#tab-capture');
  await popup.waitForSelector('#tab-capture-state:has-text("Tab capture on")', { timeout: 15_000 });
  await popup.close();

  const call = await talk(h, page, '+49 40 555 0101', 'Emmy Noether', 5);
  const item = await waitForUpload(
    h,
    call.callId,
    (i) => i.status === 'done' || i.status === 'failed',
    'the upload',
  );
  if (item.status !== 'done') throw new Error(`upload not done: ${JSON.stringify(item)}`);
  // Recorded by the fallback, not by the page hook (which saw no peer connection).
  expect(item.call.pcIds).toEqual([expect.stringMatching(/^tab-/)]);
  const { call: stored, wav } = await serverRecording(
    h,
    item.serverRecordingId!,
    item.serverCallId!,
  );
  expect(stored).toMatchObject({ remoteName: 'Emmy Noether', remoteNumber: '+49 40 555 0101' });
  const info = analyseWav(wav);
  expect(info.channels).toBe(2);
  const seconds = info.frames / info.sampleRate;
  expect(seconds).toBeGreaterThan(3.5);
  const [left, right] = analyseWindow(wav, 1, seconds - 0.5);
  expect(left!.rms).toBeGreaterThan(0.02);
  expect(right!.rms).toBeGreaterThan(0.02);
  expect(Math.abs(left!.hz - AGENT_HZ)).toBeLessThan(AGENT_HZ * 0.1);
  expect(Math.abs(right!.hz - CALLER_HZ)).toBeLessThan(CALLER_HZ * 0.1);
});
