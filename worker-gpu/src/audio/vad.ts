/**
 * Energy voice-activity detection: cheap, no model, good enough to skip the silence of a phone
 * call (one side listens while the other talks) before Whisper sees it.
 *
 * 30 ms frames; a frame is speech when its RMS level is above both an absolute floor and the
 * channel's noise floor (10th percentile of frame levels) plus a margin. Short gaps are bridged,
 * short bursts dropped, and regions padded so word edges are not clipped.
 */
export interface VadOptions {
  frameMs: number;
  /** Absolute level (dBFS) under which a frame is never speech. */
  minDbfs: number;
  /** Margin above the noise floor (dB). */
  marginDb: number;
  /** Gaps shorter than this inside speech are bridged. */
  minSilenceMs: number;
  /** Speech shorter than this is dropped. */
  minSpeechMs: number;
  /** Padding added on each side of a region. */
  padMs: number;
}

export const DEFAULT_VAD: VadOptions = {
  frameMs: 30,
  minDbfs: -45,
  marginDb: 12,
  minSilenceMs: 400,
  minSpeechMs: 150,
  padMs: 200,
};

/** The sensitivity the defaults above stand for (the admins' scale: 0 strict … 100 lenient). */
export const DEFAULT_VAD_SENSITIVITY = 50;

/**
 * The admins' sensitivity as detector thresholds: 50 gives the defaults; each step towards 100
 * lowers the margin above the noise floor (24 dB at 0, 0 at 100) and the absolute floor (−30
 * dBFS at 0, −60 at 100), so quieter sounds count as speech.
 */
export function vadOptionsFor(sensitivity: number): Partial<VadOptions> {
  const s = Math.max(0, Math.min(100, sensitivity));
  return { marginDb: 24 - 0.24 * s, minDbfs: -30 - 0.3 * s };
}

export interface Region {
  startMs: number;
  endMs: number;
}

export function frameLevelsDb(
  pcm: Float32Array,
  sampleRate: number,
  frameMs: number,
): Float32Array {
  const frame = Math.max(1, Math.round((sampleRate * frameMs) / 1000));
  const n = Math.ceil(pcm.length / frame);
  const out = new Float32Array(n);
  for (let f = 0; f < n; f++) {
    let sum = 0;
    const end = Math.min(pcm.length, (f + 1) * frame);
    for (let i = f * frame; i < end; i++) sum += pcm[i]! * pcm[i]!;
    const rms = Math.sqrt(sum / Math.max(1, end - f * frame));
    out[f] = 20 * Math.log10(rms + 1e-9);
  }
  return out;
}

export function detectSpeech(
  pcm: Float32Array,
  sampleRate: number,
  options: Partial<VadOptions> = {},
): Region[] {
  const o = { ...DEFAULT_VAD, ...options };
  const levels = frameLevelsDb(pcm, sampleRate, o.frameMs);
  if (levels.length === 0) return [];
  const sorted = Float32Array.from(levels).sort();
  const floor = sorted[Math.floor(sorted.length * 0.1)]!;
  const threshold = Math.max(o.minDbfs, floor + o.marginDb);
  const durationMs = (pcm.length * 1000) / sampleRate;

  const raw: Region[] = [];
  let start = -1;
  for (let f = 0; f <= levels.length; f++) {
    const speech = f < levels.length && levels[f]! > threshold;
    if (speech && start < 0) start = f;
    if (!speech && start >= 0) {
      raw.push({ startMs: start * o.frameMs, endMs: f * o.frameMs });
      start = -1;
    }
  }
  const bridged: Region[] = [];
  for (const r of raw) {
    const last = bridged[bridged.length - 1];
    if (last && r.startMs - last.endMs < o.minSilenceMs) last.endMs = r.endMs;
    else bridged.push({ ...r });
  }
  const padded: Region[] = [];
  for (const r of bridged) {
    if (r.endMs - r.startMs < o.minSpeechMs) continue;
    const p = {
      startMs: Math.max(0, r.startMs - o.padMs),
      endMs: Math.min(durationMs, r.endMs + o.padMs),
    };
    const last = padded[padded.length - 1];
    if (last && p.startMs <= last.endMs) last.endMs = p.endMs;
    else padded.push(p);
  }
  return padded.map((r) => ({ startMs: Math.round(r.startMs), endMs: Math.round(r.endMs) }));
}

/** Milliseconds of [startMs, endMs) covered by regions. */
export function overlapMs(regions: Region[], startMs: number, endMs: number): number {
  let total = 0;
  for (const r of regions) {
    const a = Math.max(r.startMs, startMs);
    const b = Math.min(r.endMs, endMs);
    if (b > a) total += b - a;
  }
  return total;
}

/**
 * Groups speech regions into chunks no longer than maxChunkMs (a chunk spans its regions and the
 * silences between them, which the pipeline zeroes); silence between chunks is never sent. Whisper
 * encodes a full 30 s window per call whatever the length, so fewer, fuller chunks are faster.
 */
export function chunkRegions(regions: Region[], maxChunkMs: number): Region[] {
  const chunks: Region[] = [];
  for (const r of regions) {
    // a single region longer than the limit is cut into pieces
    for (let s = r.startMs; s < r.endMs; s += maxChunkMs) {
      const piece = { startMs: s, endMs: Math.min(r.endMs, s + maxChunkMs) };
      const last = chunks[chunks.length - 1];
      if (last && piece.endMs - last.startMs <= maxChunkMs) last.endMs = piece.endMs;
      else chunks.push(piece);
    }
  }
  return chunks;
}
