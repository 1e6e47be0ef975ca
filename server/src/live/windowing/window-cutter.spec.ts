import { WindowCutter, type SpeechWindow, type WindowingOptions } from './window-cutter';

// 512-sample frames at 16 kHz: 32 ms each.
const FRAME = 512;
const MS = 16; // samples per millisecond
const frames = (ms: number) => Math.round((ms * MS) / FRAME);

function run(probabilities: number[], options: Partial<WindowingOptions> = {}) {
  const cutter = new WindowCutter(options);
  const windows: SpeechWindow[] = [];
  for (const p of probabilities) windows.push(...cutter.push(p));
  windows.push(...cutter.finish());
  return { windows, dropped: cutter.droppedWindows, cutter };
}

const speech = (ms: number, p = 0.9) => Array<number>(frames(ms)).fill(p);
const pause = (ms: number, p = 0.05) => Array<number>(frames(ms)).fill(p);

describe('WindowCutter', () => {
  it('closes a window at a pause long enough, with padding on both sides', () => {
    const { windows } = run([
      ...pause(1000),
      ...speech(2000),
      ...pause(1000),
      ...speech(1500),
      ...pause(1000),
    ]);
    expect(windows).toHaveLength(2);
    const [a, b] = windows as [SpeechWindow, SpeechWindow];
    const speechStart = frames(1000) * FRAME;
    expect(a.startSample).toBe(speechStart - 200 * MS);
    expect(a.endSample).toBe(speechStart + frames(2000) * FRAME + 200 * MS);
    expect(a.reason).toBe('pause');
    expect(b.startSample).toBeGreaterThanOrEqual(a.endSample);
    expect(b.reason).toBe('pause');
  });

  it('keeps one window across a pause shorter than minPauseMs', () => {
    const { windows } = run([...speech(2000), ...pause(300), ...speech(2000), ...pause(1000)]);
    expect(windows).toHaveLength(1);
  });

  it('closes a window as soon as the pause reaches minPauseMs (not at the end of the stream)', () => {
    const cutter = new WindowCutter();
    const seq = [...speech(1000), ...pause(600)];
    const closedAt: number[] = [];
    seq.forEach((p, i) => {
      if (cutter.push(p).length > 0) closedAt.push(i);
    });
    expect(closedAt).toEqual([seq.length - 1]);
  });

  it('uses hysteresis: frames between the thresholds continue speech but do not start it', () => {
    expect(run([...pause(500), ...speech(2000, 0.4), ...pause(1000)]).windows).toHaveLength(0);
    const { windows } = run([...speech(500), ...speech(2000, 0.4), ...pause(1000)]);
    expect(windows).toHaveLength(1);
    expect(windows[0]!.speechSamples).toBe((frames(500) + frames(2000)) * FRAME);
  });

  it('cuts long speech at its quietest frame, leaving no gap and no overlap, each window at most maxWindowMs', () => {
    const long: number[] = [];
    for (let i = 0; i < frames(70_000); i++) long.push(0.7 + 0.25 * Math.sin(i / 7));
    // a dip 2 s before the 28 s limit of the first window
    const dip = frames(26_000);
    long[dip] = 0.36;
    const { windows } = run([...long, ...pause(1000)]);
    expect(windows.length).toBeGreaterThanOrEqual(3);
    for (const w of windows) expect(w.endSample - w.startSample).toBeLessThanOrEqual(28_000 * MS);
    for (let i = 1; i < windows.length; i++)
      expect(windows[i]!.startSample).toBe(windows[i - 1]!.endSample);
    expect(windows[0]!.endSample).toBe(dip * FRAME);
    expect(windows[0]!.reason).toBe('max-length');
    expect(windows[windows.length - 1]!.reason).toBe('pause');
  });

  it('drops a blip with too little speech and counts it', () => {
    const { windows, dropped } = run([
      ...pause(1000),
      ...speech(96),
      ...pause(1000),
      ...speech(1000),
      ...pause(1000),
    ]);
    expect(windows).toHaveLength(1);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.speechSamples).toBe(frames(96) * FRAME);
  });

  it('closes the open window when the channel ends, and nothing when idle', () => {
    const open = run([...pause(500), ...speech(1000)]);
    expect(open.windows).toHaveLength(1);
    expect(open.windows[0]!.reason).toBe('end');
    expect(open.windows[0]!.endSample).toBe(open.cutter.position);
    expect(run([...pause(3000)]).windows).toHaveLength(0);
  });

  it('refuses inconsistent options', () => {
    expect(() => new WindowCutter({ positiveThreshold: 0.3, negativeThreshold: 0.5 })).toThrow(
      RangeError,
    );
    expect(() => new WindowCutter({ maxWindowMs: 1000, cutSearchMs: 4000 })).toThrow(RangeError);
  });

  it('on random probabilities: ordered, disjoint, bounded windows covering every speech-starting frame', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let run_ = 0; run_ < 50; run_++) {
      // runs of speech and pause of random lengths, with noise
      const seq: number[] = [];
      while (seq.length < 4000) {
        const isSpeech = random() < 0.5;
        const len = 1 + Math.floor(random() * (isSpeech ? 1200 : 60));
        for (let i = 0; i < len; i++) seq.push(isSpeech ? 0.4 + random() * 0.6 : random() * 0.4);
      }
      const { windows, dropped } = run(seq);
      for (let i = 0; i < windows.length; i++) {
        const w = windows[i]!;
        expect(w.endSample).toBeGreaterThan(w.startSample);
        expect(w.endSample - w.startSample).toBeLessThanOrEqual(28_000 * MS);
        if (i > 0) expect(w.startSample).toBeGreaterThanOrEqual(windows[i - 1]!.endSample);
      }
      const covered = new Uint8Array(seq.length);
      for (const w of [...windows, ...dropped]) {
        for (let f = Math.ceil(w.startSample / FRAME); f * FRAME < w.endSample; f++) covered[f] = 1;
      }
      const missed = seq.flatMap((p, i) => (p >= 0.5 && !covered[i] ? [i] : []));
      expect(missed).toEqual([]);
    }
  });
});

describe('WindowCutter resumed at an origin', () => {
  it('gives windows in channel samples from the origin and never pads back before it', () => {
    const origin = 160_000;
    const cutter = new WindowCutter({ originSample: origin });
    const windows: SpeechWindow[] = [];
    for (const p of [...speech(1000), ...pause(1000)]) windows.push(...cutter.push(p));
    expect(windows).toHaveLength(1);
    expect(windows[0]!.startSample).toBe(origin);
    expect(windows[0]!.endSample).toBe(origin + frames(1000) * FRAME + 200 * MS);
    expect(cutter.position).toBe(origin + 2 * frames(1000) * FRAME);
  });
});

describe('WindowCutter holding while the previous window waits (decision 1401)', () => {
  /** Feeds frames, each with the hold the caller says for it; closes the channel at the end. */
  function held(parts: Array<[number[], boolean]>, options: Partial<WindowingOptions> = {}) {
    const cutter = new WindowCutter(options);
    const windows: SpeechWindow[] = [];
    const closedAt: number[] = [];
    let frame = 0;
    for (const [probabilities, hold] of parts) {
      cutter.hold = hold;
      for (const p of probabilities) {
        const out = cutter.push(p);
        frame += 1;
        for (let i = 0; i < out.length; i++) closedAt.push(frame);
        windows.push(...out);
      }
    }
    windows.push(...cutter.finish());
    return { windows, closedAt };
  }
  const disjoint = (ws: SpeechWindow[]) => {
    for (let i = 1; i < ws.length; i++)
      expect(ws[i]!.startSample).toBeGreaterThanOrEqual(ws[i - 1]!.endSample);
  };

  it('keeps one window across pauses while held, closing at once at the pause where the hold lifts', () => {
    const { windows, closedAt } = held([
      [[...pause(500), ...speech(2000), ...pause(1000), ...speech(2000)], true],
      [pause(1000), false],
    ]);
    expect(windows).toHaveLength(1);
    const w = windows[0]!;
    expect(w.reason).toBe('pause');
    expect(w.startSample).toBe(frames(500) * FRAME - 200 * MS);
    // the second speech's end plus the padding: nothing of it cut away
    const speechEnd = frames(500) + 2 * frames(2000) + frames(1000);
    expect(w.endSample).toBe(speechEnd * FRAME + 200 * MS);
    // closed as soon as the pause was long enough, the hold being off by then
    expect(closedAt[0]).toBe(speechEnd + Math.ceil((600 * MS) / FRAME));
  });

  it('a hold lifting mid-speech closes the window at the latest pause; the speech since opens the next', () => {
    const { windows } = held([
      [[...speech(2000), ...pause(1000), ...speech(1000)], true],
      [[...speech(1000), ...pause(1000)], false],
    ]);
    expect(windows).toHaveLength(2);
    const [a, b] = windows as [SpeechWindow, SpeechWindow];
    const pauseCut = Math.ceil((frames(2000) * FRAME + 200 * MS) / FRAME) * FRAME;
    expect(a.endSample).toBe(pauseCut);
    expect(a.reason).toBe('pause');
    expect(b.startSample).toBe(pauseCut); // no gap, no overlap
    expect(b.endSample).toBe(frames(2000 + 1000 + 2000) * FRAME + 200 * MS);
    disjoint(windows);
  });

  it('held to the longest window, cuts at the latest pause rather than mid-speech', () => {
    const { windows } = held([[[...speech(20_000), ...pause(1000), ...speech(12_000)], true]]);
    expect(windows[0]!.endSample).toBe(
      Math.ceil((frames(20_000) * FRAME + 200 * MS) / FRAME) * FRAME,
    );
    expect(windows[0]!.reason).toBe('pause');
    for (const w of windows) expect(w.endSample - w.startSample).toBeLessThanOrEqual(28_000 * MS);
    disjoint(windows);
    // the channel ends in speech: the last window ends with it
    expect(windows.at(-1)!.endSample).toBe(
      (frames(20_000) + frames(1000) + frames(12_000)) * FRAME,
    );
  });

  it('a hold is ignored when growWhileBusy is off, and gives the unheld windows when never set', () => {
    const frames_ = [...speech(2000), ...pause(1000), ...speech(2000), ...pause(1000)];
    expect(held([[frames_, true]], { growWhileBusy: false }).windows).toHaveLength(2);
    expect(held([[frames_, false]]).windows).toEqual(run(frames_).windows);
  });
});
