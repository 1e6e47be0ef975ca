import { CallWindower, type ChannelWindow } from './call-windower';
import { speak } from './speech.fixture';
import { EnergyDetector } from './speech-detector';

const RATE = 16000;

/** Agent speaks, then the caller answers, then the agent again: interleaved s16le stereo. */
function dialogue() {
  const a1 = speak('Helpdesk, good morning, how can I help?');
  const c1 = speak('My laptop does not start since the update.');
  const a2 = speak('Let us try a hard reset together.');
  const gap = RATE;
  const at = { a1: gap, c1: gap * 2 + a1.length, a2: gap * 3 + a1.length + c1.length };
  const frames = at.a2 + a2.length + gap;
  const pcm = Buffer.alloc(frames * 4);
  const put = (samples: Int16Array, start: number, right: boolean) =>
    samples.forEach((v, i) => pcm.writeInt16LE(v, (start + i) * 4 + (right ? 2 : 0)));
  put(a1, at.a1, false);
  put(c1, at.c1, true);
  put(a2, at.a2, false);
  return { pcm, at, lengths: { a1: a1.length, c1: c1.length, a2: a2.length } };
}

const detectors = () => ({ agent: new EnergyDetector(), caller: new EnergyDetector() });

async function windowsOf(w: CallWindower, pcm: Buffer, pieceBytes: number) {
  const out: ChannelWindow[] = [];
  for (let off = 0; off < pcm.length; off += pieceBytes)
    out.push(...(await w.append(pcm.subarray(off, off + pieceBytes))));
  out.push(...(await w.finish()));
  return out;
}

describe('CallWindower', () => {
  const d = dialogue();

  it('cuts each channel on its own: two agent windows and one caller window, in call time', async () => {
    const windows = await windowsOf(new CallWindower(detectors()), d.pcm, 4 * 1600);
    expect(windows.map((w) => w.channel)).toEqual(['agent', 'caller', 'agent']);
    const [a1, c1, a2] = windows as [ChannelWindow, ChannelWindow, ChannelWindow];
    expect(a1.startSample).toBeLessThanOrEqual(d.at.a1 + 0.3 * RATE);
    expect(c1.startSample).toBeGreaterThanOrEqual(d.at.c1 - 0.5 * RATE);
    expect(c1.endSample).toBeGreaterThanOrEqual(d.at.c1 + d.lengths.c1 - 0.3 * RATE);
    expect(a2.startSample).toBeGreaterThanOrEqual(d.at.a2 - 0.5 * RATE);
  });

  it('gives the same windows whatever the size of the appends', async () => {
    const small = await windowsOf(new CallWindower(detectors()), d.pcm, 4 * 333);
    const large = await windowsOf(new CallWindower(detectors()), d.pcm, 4 * 40_000);
    expect(small).toEqual(large);
  });

  it('a busy channel holds its pauses: the agent’s two turns become one window, the caller’s is as before', async () => {
    const w = new CallWindower(detectors());
    w.holdBusy(['agent']);
    const windows = await windowsOf(w, d.pcm, 4 * 1600);
    expect(windows.map((x) => x.channel)).toEqual(['caller', 'agent']);
    const free = await windowsOf(new CallWindower(detectors()), d.pcm, 4 * 1600);
    expect(windows[0]).toEqual(free[1]);
    expect(windows[1]!.startSample).toBe(free[0]!.startSample);
    expect(windows[1]!.endSample).toBe(free[2]!.endSample);
  });

  it('refuses audio that is not whole stereo frames', async () => {
    await expect(new CallWindower(detectors()).append(Buffer.alloc(6))).rejects.toThrow(
      'whole frames of 4 bytes',
    );
  });

  it("resumed after a restart, queues nothing twice and loses nothing after each channel's last window", async () => {
    const full = await windowsOf(new CallWindower(detectors()), d.pcm, 4 * 1600);
    const firstAgent = full[0]!;
    // The server had queued the agent's first window and nothing of the caller's: it restarts.
    const resume = { agent: firstAgent.endSample, caller: 0 };
    const resumed = new CallWindower(detectors(), {}, resume);
    expect(resumed.startByte).toBe(0);
    const after = await windowsOf(resumed, d.pcm.subarray(resumed.startByte), 4 * 1600);
    expect(after.map((w) => w.channel)).toEqual(['caller', 'agent']);
    for (const w of after) expect(w.startSample).toBeGreaterThanOrEqual(resume[w.channel]);
    expect(after[0]!.startSample).toBe(full[1]!.startSample);
  });
});
