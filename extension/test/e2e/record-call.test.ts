import { analyseWindow, analyseWav } from '../wav';
import {
  AGENT_HZ,
  CALLER_HZ,
  configureThroughOptions,
  localWav,
  openWebClient,
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
  it('is recorded on both sides and stored as one 16 kHz stereo WAV, agent left and caller right', async () => {
    const page = await openWebClient(h);
    const call = h.fake.placeInboundCall('+49 30 1234567', 'Ada Lovelace');
    await page.click(`#call-${call.connectionId} .btn-answer`);
    await page.waitForSelector(`#call-${call.connectionId}[data-state=connected]`);
    await new Promise((r) => setTimeout(r, 5000));
    await page.click(`#call-${call.connectionId} .btn-hang-up`);

    let items: Awaited<ReturnType<typeof uploadItems>> = [];
    await waitFor(async () => {
      items = await uploadItems(h);
      return items.some((i) => i.status !== 'converting');
    }, 'the call converted', 60_000);
    const item = items[0]!;
    if (!item.hasWav) throw new Error(`no WAV: ${JSON.stringify(item)}`);
    const wav = await localWav(h, item.id);
    expect(wav).not.toBeNull();
    const info = analyseWav(wav!);
    expect(info.channels).toBe(2);
    expect(info.sampleRate).toBe(16000);
    expect(info.frames / info.sampleRate).toBeGreaterThan(3);
    const [left, right] = analyseWindow(wav!, 1, info.frames / info.sampleRate - 0.5);
    expect(left!.rms).toBeGreaterThan(0.02);
    expect(right!.rms).toBeGreaterThan(0.02);
    expect(Math.abs(left!.hz - AGENT_HZ)).toBeLessThan(AGENT_HZ * 0.1);
    expect(Math.abs(right!.hz - CALLER_HZ)).toBeLessThan(CALLER_HZ * 0.1);
  });
});
