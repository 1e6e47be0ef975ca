import { analyseWindow, analyseWav } from '../wav';
import {
  AGENT_HZ,
  CALLER_HZ,
  configureThroughOptions,
  openWebClient,
  serverRecording,
  startHarness,
  uploadItems,
  waitFor,
  type Harness,
} from './harness';

jest.setTimeout(120_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await configureThroughOptions(h);
});
afterAll(async () => {
  await h?.close();
});

describe('a call in the 3CX web client', () => {
  it('reaches the server as one 16 kHz stereo WAV, agent left and caller right, with the call metadata', async () => {
    const page = await openWebClient(h);
    const call = h.fake.placeInboundCall('+49 30 1234567', 'Ada Lovelace');
    await page.click(`#call-${call.connectionId} .btn-answer`);
    await page.waitForSelector(`#call-${call.connectionId}[data-state=connected]`);
    await new Promise((r) => setTimeout(r, 5000));
    await page.click(`#call-${call.connectionId} .btn-hang-up`);

    let items: Awaited<ReturnType<typeof uploadItems>> = [];
    await waitFor(async () => {
      items = await uploadItems(h);
      return items.some((i) => i.status === 'done' || i.status === 'failed');
    }, 'the upload', 60_000);
    expect(items).toHaveLength(1);
    const item = items[0]!;
    if (item.status !== 'done') throw new Error(`upload not done: ${JSON.stringify(item)}`);
    expect(item.hasWav).toBe(false); // the local copy is gone once the server confirmed it

    const { call: stored, wav } = await serverRecording(h, item.serverRecordingId!, item.serverCallId!);
    expect(stored).toMatchObject({
      direction: 'inbound',
      remoteNumber: '+49 30 1234567',
      remoteName: 'Ada Lovelace',
      pbxCallId: String(call.callId),
    });
    const info = analyseWav(wav);
    expect(info.channels).toBe(2);
    expect(info.sampleRate).toBe(16000);
    const seconds = info.frames / info.sampleRate;
    expect(seconds).toBeGreaterThan(4);
    expect(seconds).toBeLessThan(7);
    const [left, right] = analyseWindow(wav, 1, seconds - 0.5);
    expect(left!.rms).toBeGreaterThan(0.02);
    expect(right!.rms).toBeGreaterThan(0.02);
    expect(Math.abs(left!.hz - AGENT_HZ)).toBeLessThan(AGENT_HZ * 0.1);
    expect(Math.abs(right!.hz - CALLER_HZ)).toBeLessThan(CALLER_HZ * 0.1);
  });
});
