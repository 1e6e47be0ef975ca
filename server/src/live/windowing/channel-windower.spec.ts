/**
 * @jest-environment @cwn/test-support/native-realm.jest-environment
 */
import { ChannelWindower } from './channel-windower';
import {
  createSpeechDetector,
  EnergyDetector,
  SileroDetector,
  type SpeechDetector,
} from './speech-detector';
import { speak } from './speech.fixture';
import type { SpeechWindow } from './window-cutter';

const RATE = 16000;

/** Utterances separated by pauses, over faint noise (about -60 dBFS), like a quiet phone line. */
function conversation(parts: Array<Int16Array | number>): {
  pcm: Int16Array;
  spans: Array<[number, number]>;
} {
  const total = parts.reduce<number>(
    (n, p) => n + (typeof p === 'number' ? Math.round(p * RATE) : p.length),
    0,
  );
  const pcm = new Int16Array(total);
  let seed = 7;
  for (let i = 0; i < total; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    pcm[i] = Math.round((seed / 2 ** 31 - 0.5) * 60);
  }
  const spans: Array<[number, number]> = [];
  let at = 0;
  for (const p of parts) {
    if (typeof p === 'number') {
      at += Math.round(p * RATE);
      continue;
    }
    for (let i = 0; i < p.length; i++)
      pcm[at + i] = Math.max(-32768, Math.min(32767, pcm[at + i]! + p[i]!));
    spans.push([at, at + p.length]);
    at += p.length;
  }
  return { pcm, spans };
}

async function windowsOf(
  detector: SpeechDetector,
  pcm: Int16Array,
  pieces: number[] = [pcm.length],
) {
  const windower = new ChannelWindower(detector);
  const windows: SpeechWindow[] = [];
  let off = 0;
  let i = 0;
  while (off < pcm.length) {
    const n = Math.min(pieces[i++ % pieces.length]!, pcm.length - off);
    windows.push(...(await windower.append(pcm.subarray(off, off + n))));
    off += n;
  }
  windows.push(...(await windower.finish()));
  await detector.close();
  return windows;
}

const first = speak(
  'Hello, I have a problem with my printer. It does not print anymore since this morning.',
);
const second = speak('Can you restart it please, and tell me what the screen shows?');
const call = conversation([1, first, 2.5, second, 1]);

describe.each([
  ['silero', () => SileroDetector.create()],
  ['energy', async () => new EnergyDetector()],
])('ChannelWindower with the %s detector on real speech', (_name, make) => {
  it('gives one window per utterance, each covering its speech, none in the pauses', async () => {
    const windows = await windowsOf(await make(), call.pcm);
    expect(windows).toHaveLength(2);
    windows.forEach((w, i) => {
      const [start, end] = call.spans[i]!;
      // espeak's own leading/trailing silence is inside the span: allow it.
      expect(w.startSample).toBeLessThanOrEqual(start + 0.3 * RATE);
      expect(w.endSample).toBeGreaterThanOrEqual(end - 0.3 * RATE);
      expect(w.startSample).toBeGreaterThanOrEqual(start - 0.5 * RATE);
      expect(w.endSample).toBeLessThanOrEqual(end + 0.5 * RATE);
    });
  });

  it('gives the same windows however the audio is split into appends', async () => {
    const whole = await windowsOf(await make(), call.pcm);
    const pieces = await windowsOf(await make(), call.pcm, [1, 777, 4096, 320, 16000, 3]);
    expect(pieces).toEqual(whole);
  });

  it('finds no window in silence', async () => {
    expect(await windowsOf(await make(), conversation([5]).pcm)).toEqual([]);
  });
});

describe('createSpeechDetector', () => {
  it('gives Silero by default and energy when asked', async () => {
    const silero = await createSpeechDetector('silero');
    expect(silero.kind).toBe('silero');
    await silero.close();
    expect((await createSpeechDetector('energy')).kind).toBe('energy');
  });

  it('refuses a Silero frame of the wrong size', async () => {
    const silero = await SileroDetector.create();
    await expect(silero.probability(new Float32Array(100))).rejects.toThrow('512 samples');
    await silero.close();
  });
});
