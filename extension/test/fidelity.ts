/**
 * Known audio for the fidelity test and the comparison of a stored channel against it (test
 * helper). The signal never repeats within its length (three sweeping partials with incommensurate
 * periods under a seeded random envelope), so each second of a recording matches one place of the
 * source only; it survives WebRTC's processing (no noise, which noise suppression would remove).
 */
import { writeFileSync } from 'node:fs';

export const SOURCE_SECONDS = 40;

export interface SignalSpec {
  seed: number;
  /** The partials' centre frequencies (Hz). */
  partials: [number, number, number];
}

export const AGENT_SIGNAL: SignalSpec = { seed: 7, partials: [320, 860, 1750] };
export const CALLER_SIGNAL: SignalSpec = { seed: 91, partials: [410, 1130, 2200] };

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The signal sampled at `rate` Hz, in [-1, 1]. */
export function synthesize(spec: SignalSpec, rate: number): Float64Array {
  const n = SOURCE_SECONDS * rate;
  const out = new Float64Array(n);
  const rand = mulberry32(spec.seed);
  // Envelope points every 1/8 s, smoothly interpolated (cosine).
  const points = Array.from({ length: SOURCE_SECONDS * 8 + 2 }, () => 0.25 + 0.75 * rand());
  const rates = [3.7, 5.3, 8.9];
  const phases = [0, 0, 0];
  const gains = [1, 0.7, 0.5];
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const p = t * 8;
    const k = Math.floor(p);
    const f = (1 - Math.cos((p - k) * Math.PI)) / 2;
    const env = points[k]! * (1 - f) + points[k + 1]! * f;
    let s = 0;
    for (let j = 0; j < 3; j++) {
      const centre = spec.partials[j]!;
      const hz = centre + centre * 0.35 * Math.sin((2 * Math.PI * t) / rates[j]! + j);
      phases[j]! += (2 * Math.PI * hz) / rate;
      s += gains[j]! * Math.sin(phases[j]!);
    }
    out[i] = 0.3 * env * (s / 2.2);
  }
  return out;
}

/** A mono 16-bit WAV of the signal at 48 kHz (what the fake devices play). */
export function writeSignalWav(file: string, spec: SignalSpec): void {
  const rate = 48000;
  const samples = synthesize(spec, rate);
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++)
    data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, samples[i]!)) * 32767), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([header, data]));
}

/** One channel of a 16-bit stereo WAV as floats. */
export function channelOf(wav: Buffer, channel: 0 | 1): Float64Array {
  const dataStart = wav.indexOf('data') + 8;
  const frames = Math.floor((wav.length - dataStart) / 4);
  const out = new Float64Array(frames);
  for (let i = 0; i < frames; i++)
    out[i] = wav.readInt16LE(dataStart + i * 4 + channel * 2) / 32768;
  return out;
}

const BLOCK = 160; // 10 ms at 16 kHz

function envelope(x: Float64Array, from = 0, to = x.length): Float64Array {
  const n = Math.floor((to - from) / BLOCK);
  const e = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    let s = 0;
    for (let i = 0; i < BLOCK; i++) s += x[from + b * BLOCK + i]! ** 2;
    e[b] = Math.sqrt(s / BLOCK);
  }
  return e;
}

/** Pearson correlation of a[ai…] with b[(bi + k) mod b.length…] over n samples. */
function corr(a: Float64Array, ai: number, b: Float64Array, bi: number, n: number): number {
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  const len = b.length;
  for (let k = 0; k < n; k++) {
    const x = a[ai + k]!;
    const y = b[(((bi + k) % len) + len) % len]!;
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  const cov = sab - (sa * sb) / n;
  const den = Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
  return den > 0 ? cov / den : 0;
}

export interface SecondMatch {
  /** Start of the recorded second (s). */
  at: number;
  /** Where in the source it matches (samples, within one loop of the source). */
  sourceAt: number;
  /** Source position minus recorded position, in ms (constant when nothing is lost or doubled). */
  lagMs: number;
  /** Waveform correlation at that lag. */
  correlation: number;
}

/**
 * Matches every whole second of `recorded` (16 kHz) that carries signal against `source` (16 kHz,
 * looped): the envelope finds the place, the waveform refines it to the sample.
 */
export function matchSeconds(recorded: Float64Array, source: Float64Array): SecondMatch[] {
  const rate = 16000;
  const srcEnv = envelope(source);
  const out: SecondMatch[] = [];
  for (let start = 0; start + rate <= recorded.length; start += rate) {
    const win = envelope(recorded, start, start + rate);
    const rms = Math.sqrt(win.reduce((s, v) => s + v * v, 0) / win.length);
    if (rms < 0.01) continue;
    let best = -2;
    let bestBlock = 0;
    for (let b = 0; b < srcEnv.length; b++) {
      const c = corr(win, 0, srcEnv, b, win.length);
      if (c > best) {
        best = c;
        bestBlock = b;
      }
    }
    let fine = -2;
    let fineAt = bestBlock * BLOCK;
    for (let d = -2 * BLOCK; d <= 2 * BLOCK; d++) {
      const c = corr(recorded, start, source, bestBlock * BLOCK + d, rate);
      if (c > fine) {
        fine = c;
        fineAt = bestBlock * BLOCK + d;
      }
    }
    const sourceAt = ((fineAt % source.length) + source.length) % source.length;
    out.push({
      at: start / rate,
      sourceAt,
      lagMs: ((sourceAt - start) / rate) * 1000,
      correlation: fine,
    });
  }
  return out;
}

/** The lag difference between two matches in ms, on the source's loop (wrap-around aware). */
export function lagDifferenceMs(a: SecondMatch, b: SecondMatch): number {
  const loopMs = SOURCE_SECONDS * 1000;
  let d = (b.lagMs - a.lagMs) % loopMs;
  if (d > loopMs / 2) d -= loopMs;
  if (d < -loopMs / 2) d += loopMs;
  return d;
}

/**
 * The fidelity check: one lag for the whole channel (the one most seconds agree on), then every
 * second that carries signal matched at the sample within ±`searchMs` of it. Audio lost or doubled
 * at a boundary moves the lag of the seconds after it (or, beyond the search, drops their
 * correlation); the other side's audio does not correlate.
 */
export function alignSeconds(
  recorded: Float64Array,
  source: Float64Array,
  searchMs = 50,
): { lagMs: number; seconds: SecondMatch[] } {
  const rate = 16000;
  const coarse = matchSeconds(recorded, source).filter((m) => m.correlation > 0.5);
  // The lag most seconds agree on (within 2 ms).
  let lag = 0;
  let votes = -1;
  for (const m of coarse) {
    const n = coarse.filter((o) => Math.abs(lagDifferenceMs(m, o)) < 2).length;
    if (n > votes) {
      votes = n;
      lag = Math.round((m.lagMs / 1000) * rate);
    }
  }
  const span = Math.round((searchMs / 1000) * rate);
  const seconds: SecondMatch[] = [];
  for (let start = 0; start + rate <= recorded.length; start += rate) {
    const win = envelope(recorded, start, start + rate);
    const rms = Math.sqrt(win.reduce((s, v) => s + v * v, 0) / win.length);
    if (rms < 0.01) continue;
    let best = -2;
    let bestAt = 0;
    for (let d = -span; d <= span; d++) {
      const c = corr(recorded, start, source, start + lag + d, rate);
      if (c > best) {
        best = c;
        bestAt = start + lag + d;
      }
    }
    const sourceAt = ((bestAt % source.length) + source.length) % source.length;
    seconds.push({
      at: start / rate,
      sourceAt,
      lagMs: ((bestAt - start) / rate) * 1000,
      correlation: best,
    });
  }
  return { lagMs: (lag / rate) * 1000, seconds };
}
