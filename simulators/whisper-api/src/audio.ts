/**
 * What the simulator "hears": a RIFF/WAVE PCM 16-bit file (any rate, mono or stereo, mixed down
 * as the servers do before Whisper), and where its speech is, by frame energy. Deterministic: the
 * same audio always gives the same regions.
 */

export interface HeardAudio {
  sampleRate: number;
  channels: number;
  /** Mono, in [-1, 1). */
  samples: Float32Array;
  durationS: number;
}

export class AudioFormatError extends Error {}

export function decodeWav(buf: Buffer): HeardAudio {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF') {
    throw new AudioFormatError('not a RIFF file');
  }
  if (buf.toString('ascii', 8, 12) !== 'WAVE') throw new AudioFormatError('RIFF type is not WAVE');
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  let data: Buffer | null = null;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ' && body + 16 <= buf.length) {
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      data = buf.subarray(body, Math.min(buf.length, body + size));
      break;
    }
    off = body + size + (size & 1);
  }
  if (!fmt || !data) throw new AudioFormatError('missing fmt or data chunk');
  if (fmt.format !== 1 || fmt.bits !== 16) {
    throw new AudioFormatError('only PCM 16-bit WAV is decoded by the simulator');
  }
  if (fmt.channels < 1 || fmt.rate < 1000) throw new AudioFormatError('bad fmt chunk');
  const frames = Math.floor(data.length / (2 * fmt.channels));
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < fmt.channels; c++) sum += data.readInt16LE((i * fmt.channels + c) * 2);
    samples[i] = sum / fmt.channels / 32768;
  }
  return { sampleRate: fmt.rate, channels: fmt.channels, samples, durationS: frames / fmt.rate };
}

export interface SpeechOptions {
  /** A 20 ms frame louder than this (dBFS, RMS) is speech. */
  thresholdDb: number;
  /** Speech regions closer than this are one region. */
  minSilenceMs: number;
  /** Shorter regions are dropped (clicks). */
  minSpeechMs: number;
  /** Longer regions are cut into equal parts (Whisper's segments stay under its 30 s window). */
  maxSegmentS: number;
}

export const DEFAULT_SPEECH: SpeechOptions = {
  thresholdDb: -40,
  minSilenceMs: 500,
  minSpeechMs: 100,
  maxSegmentS: 30,
};

/** Speech regions in seconds, rounded to Whisper's 20 ms timestamp step. */
export function speechRegions(
  audio: HeardAudio,
  opts: SpeechOptions = DEFAULT_SPEECH,
): Array<{ start: number; end: number }> {
  const frame = Math.max(1, Math.round(audio.sampleRate * 0.02));
  const threshold = 10 ** (opts.thresholdDb / 20);
  const raw: Array<{ a: number; b: number }> = [];
  for (let f = 0; f * frame < audio.samples.length; f++) {
    const from = f * frame;
    const to = Math.min(audio.samples.length, from + frame);
    let sq = 0;
    for (let i = from; i < to; i++) sq += audio.samples[i]! * audio.samples[i]!;
    if (Math.sqrt(sq / (to - from)) < threshold) continue;
    const last = raw[raw.length - 1];
    const startS = from / audio.sampleRate;
    const endS = to / audio.sampleRate;
    if (last && startS - last.b <= opts.minSilenceMs / 1000) last.b = endS;
    else raw.push({ a: startS, b: endS });
  }
  const step = (s: number) => Math.round(s * 50) / 50;
  const out: Array<{ start: number; end: number }> = [];
  for (const r of raw) {
    if ((r.b - r.a) * 1000 < opts.minSpeechMs) continue;
    const parts = Math.ceil((r.b - r.a) / opts.maxSegmentS);
    const len = (r.b - r.a) / parts;
    for (let p = 0; p < parts; p++) {
      out.push({ start: step(r.a + p * len), end: step(r.a + (p + 1) * len) });
    }
  }
  return out;
}
