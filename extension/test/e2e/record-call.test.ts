import { analyseWindow, analyseWav } from '../wav';
import {
  AGENT_HZ,
  CALLER_HZ,
  configureThroughOptions,
  openWebClient,
  serverRecording,
  startHarness,
  stopServiceWorker,
  talk,
  uploadItems,
  waitFor,
  waitForUpload,
  type Harness,
} from '@cwn/test-support/extension-harness';
import type { Page } from 'playwright-core';
import { Call, rooms } from '@cwn/protocol';

jest.setTimeout(120_000);

let h: Harness;
let page: Page;
beforeAll(async () => {
  h = await startHarness();
  // The 3CX tab is open before the extension is set up: saving the options must reload it.
  page = await openWebClient(h);
  const reloaded = page.waitForEvent('load', { timeout: 20_000 });
  await configureThroughOptions(h);
  await reloaded;
  await page.waitForSelector('#push-state[data-state=open]', { timeout: 15_000 });
});
afterAll(async () => {
  await h?.close();
});

/** Checks a stored WAV: 16 kHz stereo, the agent's tone left and the caller's right in every window. */
function expectTwoSides(
  wav: Buffer,
  minSeconds: number,
  maxSeconds: number,
  windows: [number, number][],
): void {
  const info = analyseWav(wav);
  expect(info.channels).toBe(2);
  expect(info.sampleRate).toBe(16000);
  const seconds = info.frames / info.sampleRate;
  expect(seconds).toBeGreaterThan(minSeconds);
  expect(seconds).toBeLessThan(maxSeconds);
  for (const [from, to] of windows) {
    const [left, right] = analyseWindow(wav, from, Math.min(to, seconds - 0.3));
    expect({ from, left: left!.rms > 0.02, right: right!.rms > 0.02 }).toEqual({
      from,
      left: true,
      right: true,
    });
    expect(Math.abs(left!.hz - AGENT_HZ)).toBeLessThan(AGENT_HZ * 0.1);
    expect(Math.abs(right!.hz - CALLER_HZ)).toBeLessThan(CALLER_HZ * 0.1);
  }
}

describe('a call in the 3CX web client', () => {
  it('reaches the server as one 16 kHz stereo WAV, agent left and caller right, with the call metadata', async () => {
    let badgeDuringCall = '';
    let liveOnServer: unknown = null;
    const call = await talk(h, page, '+49 30 1234567', 'Ada Lovelace', 5, async (placed) => {
      badgeDuringCall = await (await h.worker()).evaluate(() => chrome.action.getBadgeText({}));
      // The call is on the server while it happens (reported live, before any upload).
      const admin = await h.server.userWithRole('admin');
      await waitFor(
        async () => {
          const list = await h.server.http
            .get('/api/calls')
            .set('Authorization', `Bearer ${admin.accessToken}`);
          liveOnServer = (list.body.items as { pbxCallId: string }[]).find(
            (c) => c.pbxCallId === String(placed.callId),
          );
          return !!liveOnServer;
        },
        'the live call on the server',
        5000,
      );
    });
    expect(badgeDuringCall).toBe('REC');
    expect(liveOnServer).toMatchObject({
      status: 'connected',
      remoteName: 'Ada Lovelace',
      answeredAt: expect.any(String),
    });
    const item = await waitForUpload(
      h,
      call.callId,
      (i) => i.status === 'done' || i.status === 'failed',
      'the upload',
    );
    if (item.status !== 'done') throw new Error(`upload not done: ${JSON.stringify(item)}`);
    expect(item.hasWav).toBe(false); // the local copy is gone once the server confirmed it
    expect(await (await h.worker()).evaluate(() => chrome.action.getBadgeText({}))).toBe('');

    const { call: stored, wav } = await serverRecording(
      h,
      item.serverRecordingId!,
      item.serverCallId!,
    );
    expect(stored).toMatchObject({
      status: 'queued',
      answeredAt: expect.any(String),
      endedAt: expect.any(String),
      direction: 'inbound',
      remoteNumber: '+49 30 1234567',
      remoteName: 'Ada Lovelace',
      pbxCallId: String(call.callId),
    });
    expectTwoSides(wav, 4, 7, [[1, 4.5]]);

    // The popup lists the call and follows its status live over Socket.IO.
    const popup = await h.ctx.newPage();
    await popup.goto(`chrome-extension://${h.extensionId}/popup/popup.html`);
    await popup.waitForSelector(`#login-state:has-text("${h.agentEmail}")`);
    await popup.waitForSelector('#tab-state:has-text("3CX web client open")');
    const status = popup.locator(`.call-status[data-call-id="${item.serverCallId}"]`);
    await status.waitFor();
    expect(await status.textContent()).toBe(stored.status);
    await popup.waitForSelector('#recent-state:has-text("Live.")');
    const transcribed = Call.parse({ ...stored, status: 'transcribed' });
    h.server.io.to(rooms.user(transcribed.agentId)).emit('call.updated', transcribed);
    await popup.waitForSelector(
      `.call-status[data-call-id="${item.serverCallId}"]:has-text("transcribed")`,
    );
    await popup.close();
  });

  it('keeps the recording while the server is down at hang-up and uploads it once it is back', async () => {
    await h.relay.down();
    const call = await talk(h, page, '+44 20 7946 0000', 'Grace Hopper', 4);
    const waiting = await waitForUpload(
      h,
      call.callId,
      (i) => i.status === 'pending' && !!i.lastError,
      'a failed attempt',
    );
    expect(waiting.lastError).toMatch(/server unreachable/);
    expect(waiting.hasWav).toBe(true);
    await new Promise((r) => setTimeout(r, 2000));
    await h.relay.up();
    const item = await waitForUpload(
      h,
      call.callId,
      (i) => i.status === 'done',
      'the upload after the outage',
      60_000,
    );
    const { call: stored, wav } = await serverRecording(
      h,
      item.serverRecordingId!,
      item.serverCallId!,
    );
    expect(stored).toMatchObject({ remoteName: 'Grace Hopper' });
    expectTwoSides(wav, 3, 6, [[1, 3.5]]);
  });

  it('records the whole call when the service worker is restarted in the middle of it', async () => {
    const call = await talk(h, page, '+1 212 555 0100', 'Alan Turing', 6, () =>
      stopServiceWorker(h, page),
    );
    const item = await waitForUpload(
      h,
      call.callId,
      (i) => i.status === 'done' || i.status === 'failed',
      'the upload',
    );
    if (item.status !== 'done') throw new Error(`upload not done: ${JSON.stringify(item)}`);
    const { wav } = await serverRecording(h, item.serverRecordingId!, item.serverCallId!);
    // Both sides carry signal before, around and after the restart (at about 3 s).
    expectTwoSides(wav, 5, 8, [
      [0.5, 2.5],
      [2.5, 4],
      [4, 5.5],
    ]);
  });

  it('records nothing of a call the agent switched to "don\'t record" in the popup', async () => {
    const popup = await h.ctx.newPage();
    await popup.goto(`chrome-extension://${h.extensionId}/popup/popup.html`);
    const call = await talk(h, page, '+33 1 4000 0000', 'Marie Curie', 4, async () => {
      await popup.getByLabel("Don't record this call").click();
      await popup.waitForSelector('#calls:has-text("not recorded")');
      expect(await (await h.worker()).evaluate(() => chrome.action.getBadgeText({}))).toBe('');
    });
    await popup.close();
    // Give the extension the time it takes to finish a call, then check nothing was kept.
    await new Promise((r) => setTimeout(r, 4000));
    const rows = await uploadItems(h);
    expect(rows.find((r) => r.call.pbxCallId === String(call.callId))).toBeUndefined();
    const chunks = await (
      await h.worker()
    ).evaluate(
      () =>
        new Promise<number>((resolve) => {
          const open = indexedDB.open('cwn-extension');
          open.onsuccess = () => {
            const req = open.result.transaction('chunks').objectStore('chunks').count();
            req.onsuccess = () => resolve(req.result);
          };
        }),
    );
    expect(chunks).toBe(0);
  });

  it('keeps two simultaneous calls apart (the first on hold while the second is taken)', async () => {
    const first = h.fake.placeInboundCall('+49 30 1111', 'First Caller');
    await page.click(`#call-${first.connectionId} .btn-answer`);
    await page.waitForSelector(`#call-${first.connectionId}[data-state=connected]`);
    await new Promise((r) => setTimeout(r, 3000));
    await page.click(`#call-${first.connectionId} .btn-hold`);
    await page.waitForSelector(`#call-${first.connectionId}[data-state=held]`);
    // Hold is seen in the SDP direction and reported live: the server shows the call held.
    const admin = await h.server.userWithRole('admin');
    let seen: { status?: string } | undefined;
    await waitFor(
      async () => {
        const list = await h.server.http
          .get('/api/calls')
          .set('Authorization', `Bearer ${admin.accessToken}`);
        seen = (list.body.items as { pbxCallId: string; status: string }[]).find(
          (c) => c.pbxCallId === String(first.callId),
        );
        return seen?.status === 'held';
      },
      () => `the first call held on the server (seen: ${JSON.stringify(seen)})`,
      5000,
    );

    const second = h.fake.placeInboundCall('+49 30 2222', 'Second Caller');
    await page.click(`#call-${second.connectionId} .btn-answer`);
    await page.waitForSelector(`#call-${second.connectionId}[data-state=connected]`);
    await new Promise((r) => setTimeout(r, 3000));
    await page.click(`#call-${second.connectionId} .btn-hang-up`);

    await page.click(`#call-${first.connectionId} .btn-resume`);
    await page.waitForSelector(`#call-${first.connectionId}[data-state=connected]`);
    await new Promise((r) => setTimeout(r, 2000));
    await page.click(`#call-${first.connectionId} .btn-hang-up`);

    const one = await waitForUpload(h, first.callId, (i) => i.status === 'done', 'the first call');
    const two = await waitForUpload(
      h,
      second.callId,
      (i) => i.status === 'done',
      'the second call',
    );
    expect(one.call.pcIds).toHaveLength(1);
    expect(two.call.pcIds).toHaveLength(1);
    expect(one.call.pcIds[0]).not.toBe(two.call.pcIds[0]);
    const a = await serverRecording(h, one.serverRecordingId!, one.serverCallId!);
    const b = await serverRecording(h, two.serverRecordingId!, two.serverCallId!);
    expect(a.call).toMatchObject({ remoteName: 'First Caller', remoteNumber: '+49 30 1111' });
    expect(b.call).toMatchObject({ remoteName: 'Second Caller', remoteNumber: '+49 30 2222' });
    expect(a.call.id).not.toBe(b.call.id);
    // The first call spans the second (about 3 + 3 + 2 s); both sides carry signal before the hold.
    expectTwoSides(a.wav, 7, 12, [[0.5, 2.5]]);
    expectTwoSides(b.wav, 2, 5, [[0.5, 2.5]]);
  });

  it('keeps recording the agent after a microphone switch (replaceTrack) mid-call', async () => {
    const call = await talk(h, page, '+49 30 3333', 'Device Switch', 6, async (placed) => {
      await page.click(`#call-${placed.connectionId} .btn-switch-microphone`);
    });
    const item = await waitForUpload(
      h,
      call.callId,
      (i) => i.status === 'done' || i.status === 'failed',
      'the upload',
    );
    if (item.status !== 'done') throw new Error(`upload not done: ${JSON.stringify(item)}`);
    expect(item.call.pcIds).toHaveLength(2); // the peer connection and the new microphone's segment
    const { wav } = await serverRecording(h, item.serverRecordingId!, item.serverCallId!);
    // The switch happens at about 3 s: the agent's channel carries the tone before and after it.
    expectTwoSides(wav, 5, 9, [
      [0.5, 2.5],
      [4, 5.5],
    ]);
  });
});
