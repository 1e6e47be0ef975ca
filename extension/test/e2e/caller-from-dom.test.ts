/**
 * A 3CX page where only WebRTC is seen: the fake web client with `?push=none` opens no
 * /ws/webclient socket and shows its calls only in its call view (DOM). The extension reads the
 * caller's number, name and direction from there, so the call reaches the server with them (an
 * inbound and an outbound call), where it used to be a nameless "inbound" call.
 */
import type { Page } from 'playwright-core';
import {
  configureThroughOptions,
  serverRecording,
  startHarness,
  uploadItems,
  waitFor,
  type Harness,
  type UploadRow,
} from '@cwn/test-support/extension-harness';

let h: Harness;
let page: Page;
beforeAll(async () => {
  h = await startHarness();
  await configureThroughOptions(h);
  page = await h.ctx.newPage();
  await page.goto(`${h.fake.origin}/webclient/?push=none#/people`);
  await page.waitForSelector('#push-state[data-state=none]', { timeout: 15_000 });
}, 180_000);
afterAll(async () => {
  await h?.close();
});

/** The upload of the one call not seen before, once done. */
async function nextUpload(seen: Set<string>): Promise<UploadRow> {
  let row: UploadRow | undefined;
  await waitFor(
    async () => {
      row = (await uploadItems(h)).find((i) => !seen.has(i.id));
      return row?.status === 'done' || row?.status === 'failed';
    },
    () => `the upload (last seen: ${JSON.stringify(row ?? null)})`,
    60_000,
  );
  seen.add(row!.id);
  if (row!.status !== 'done') throw new Error(`upload not done: ${JSON.stringify(row)}`);
  return row!;
}

describe('caller details without the push socket', () => {
  const seen = new Set<string>();

  it('takes an inbound call’s number and name from the call view', async () => {
    const call = h.fake.placeInboundCall('+44 20 7946 0958', 'Ada Lovelace');
    await page.click(`#call-${call.connectionId} .btn-answer`);
    await page.waitForSelector(`#call-${call.connectionId}[data-state=connected]`);
    await new Promise((r) => setTimeout(r, 3000));
    await page.click(`#call-${call.connectionId} .btn-hang-up`);
    const item = await nextUpload(seen);
    expect(item.call.pbxCallId).toBeNull(); // no push frame described it
    const { call: stored } = await serverRecording(h, item.serverRecordingId!, item.serverCallId!);
    expect(stored).toMatchObject({
      direction: 'inbound',
      remoteNumber: '+44 20 7946 0958',
      remoteName: 'Ada Lovelace',
    });
  });

  it('takes an outbound call’s direction from the call view', async () => {
    const call = h.fake.placeOutboundCall('+33 1 70 36 00 00', 'Grace Hopper');
    await page.waitForSelector(`#call-${call.connectionId}[data-state=connected]`, {
      timeout: 15_000,
    });
    await new Promise((r) => setTimeout(r, 3000));
    await page.click(`#call-${call.connectionId} .btn-hang-up`);
    const item = await nextUpload(seen);
    const { call: stored } = await serverRecording(h, item.serverRecordingId!, item.serverCallId!);
    expect(stored).toMatchObject({
      direction: 'outbound',
      remoteNumber: '+33 1 70 36 00 00',
      remoteName: 'Grace Hopper',
    });
  });
});
