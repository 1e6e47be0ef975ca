/**
 * A live call's next batch of 16 kHz stereo PCM (docs/decisions/0502-extension-live-streaming.md,
 * amendment "way A on a window"): for each recorder, ffmpeg.wasm decodes only its WebM header
 * plus the stream from the last Cluster at least WARMUP before what is still to be produced
 * (webm-index.ts finds the Clusters and the samples before each), so a pass costs the same at
 * minute 1 and minute 30. The warm-up is decoded and thrown away: from there the window decodes to
 * the same samples as the whole stream. The sides are then laid out in call time as the
 * whole-call plan does (ffmpeg-plan.ts: each recorder delayed to its start, recorders of one side
 * summed, a side that ended padded with silence, agent left and caller right); a side still
 * recording is not padded, so the batch ends where its decoded audio ends, less the last half
 * second (the resampler's look-ahead and a cut Opus frame may still change). What lies before it
 * comes out the same in every later batch, which is checked on the last bytes produced; only the
 * bytes past what was produced are stored, as pieces, with the state that counts them. At hang-up
 * the rest is produced to the call's length.
 */
import type { FFmpeg } from '@ffmpeg/ffmpeg';
import { LIVE_FRAME_BYTES } from '@cwn/protocol';
import { ChunkStore, LiveStore, type Db, type LivePiece } from '../shared/db';
import type { LiveProduceRequest, LiveProduceResult, Side } from '../shared/messages';
import { windowDecodeArgs } from './ffmpeg-plan';
import { clusterBefore, extendIndex, type WebmIndex } from './webm-index';

const RATE = 16000;
/** Held back from a batch's end: 0.5 s of 16 kHz stereo s16le. */
export const HOLD_BACK_BYTES = RATE * LIVE_FRAME_BYTES * 0.5;
/** Pieces are at most this big (each one append). */
export const PIECE_BYTES = 256 * 1024;
/** The span of the last output compared with the next batch. */
const TAIL_BYTES = 16000;
/** Decoded before the first sample a batch needs and thrown away (the decoder settles in 170 ms). */
const WARMUP_SAMPLES = RATE;

/** Each recorder's Clusters, kept between batches (rebuilt from chunk 0 after a restart). */
const indexes = new Map<string, WebmIndex>();

function concat(parts: ArrayBuffer[]): { buf: Uint8Array; starts: number[] } {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const buf = new Uint8Array(total);
  const starts: number[] = [];
  let offset = 0;
  for (const p of parts) {
    starts.push(offset);
    buf.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return { buf, starts };
}

/** The batches' figures kept in the state: the call's first 30 and its last 270. */
function kept<T>(batches: T[]): T[] {
  return batches.length > 300 ? [...batches.slice(0, 30), ...batches.slice(-270)] : batches;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The WebM to decode for one recorder: its header and the stream from the last Cluster at or
 * before `fromSample` (16 kHz samples of the recorder's own audio), and the sample it starts at.
 */
async function windowOf(
  chunks: ChunkStore,
  pcId: string,
  side: Side,
  fromSample: number,
): Promise<{ data: Uint8Array; firstSample: number } | null> {
  const key = `${pcId}:${side}`;
  const target48 = Math.max(0, fromSample) * 3;
  let index = indexes.get(key) ?? { header: null, clusters: [] };
  const known = index.header ? clusterBefore(index, target48) : null;
  const loadFrom = known?.seq ?? 0;
  const stored = await chunks.listFrom(pcId, side, loadFrom);
  if (stored.length === 0 || stored[0]!.seq !== loadFrom) {
    indexes.delete(key);
    if (loadFrom !== 0) return windowOf(chunks, pcId, side, fromSample);
    return null;
  }
  const { buf, starts } = concat(stored.map((c) => c.data));
  const seqs = stored.map((c) => c.seq);
  if (!known) index = { header: null, clusters: [] };
  try {
    index = extendIndex(index, buf, seqs, starts);
  } catch (err) {
    // A stream the index cannot read (not what the page's MediaRecorder writes): the whole of it
    // is decoded, as before the windows, and the batch costs what the call so far costs.
    console.warn(`[cwn] live window of ${key}:`, err);
    indexes.delete(key);
    if (loadFrom !== 0) return windowOf(chunks, pcId, side, -1);
    return { data: buf, firstSample: 0 };
  }
  indexes.set(key, index);
  const mark = known ?? (index.header ? clusterBefore(index, target48) : null);
  if (!mark || !index.header) return null;
  const at = starts[seqs.indexOf(mark.seq)]! + mark.offset;
  const body = buf.subarray(at);
  const data = new Uint8Array(index.header.length + body.length);
  data.set(index.header, 0);
  data.set(body, index.header.length);
  return { data, firstSample: mark.samples48 / 3 };
}

interface Decoded {
  side: Side;
  open: boolean;
  /** Call-time sample (16 kHz) of `samples[0]`. */
  start: number;
  samples: Int16Array;
}

export async function produceLive(
  db: Db,
  ff: FFmpeg,
  req: LiveProduceRequest,
): Promise<LiveProduceResult> {
  const live = new LiveStore(db);
  const state = await live.get(req.callKey);
  if (!state) return { ok: false, error: `no live state for ${req.callKey}` };
  if (state.final) return { ok: true, produced: state.produced, final: true };
  // "Don't record this call": nothing more is produced for it.
  if (state.state === 'discard') return { ok: false, error: 'the live recording is discarded' };
  const chunks = new ChunkStore(db);
  const final = req.finalDurationMs !== null;
  const t0 = state.t0 ?? Math.min(...req.recorders.map((r) => r.startedAt));
  const from = state.produced;
  const tail = state.tail && from > 0 ? new Uint8Array(state.tail) : null;
  /** The first call-time sample this batch lays out: the compared tail, then the new audio. */
  const base = (from - (tail?.length ?? 0)) / LIVE_FRAME_BYTES;

  const windows: { side: Side; open: boolean; delay: number; first: number; file: string }[] = [];
  for (const rec of req.recorders) {
    // The whole-call plan delays each recorder by whole ms (adelay), 16 samples each.
    const delay = Math.max(0, Math.round(rec.startedAt - t0)) * (RATE / 1000);
    const win = await windowOf(chunks, rec.pcId, rec.side, base - delay - WARMUP_SAMPLES);
    if (!win) {
      // A side still recording with nothing stored yet: wait for it rather than send silence.
      if (rec.open && !final) return { ok: true, produced: state.produced, final: false };
      continue;
    }
    const file = `live${windows.length}.webm`;
    await ff.writeFile(file, win.data);
    windows.push({ side: rec.side, open: rec.open, delay, first: win.firstSample, file });
  }
  if (windows.length === 0) return { ok: true, produced: state.produced, final: false };

  const args = windowDecodeArgs(windows.map((w) => w.file));
  const started = performance.now();
  const code = await ff.exec(args);
  const decoded: Decoded[] = [];
  for (const w of windows) {
    await ff.deleteFile(w.file);
    if (code !== 0) continue;
    const read = (await ff.readFile(`${w.file}.pcm`)) as Uint8Array;
    await ff.deleteFile(`${w.file}.pcm`);
    const out = read.byteOffset % 2 === 0 ? read : read.slice();
    const samples = new Int16Array(out.buffer, out.byteOffset, Math.floor(out.byteLength / 2));
    decoded.push({ side: w.side, open: w.open, start: w.delay + w.first, samples });
  }
  if (code !== 0) {
    for (const rec of req.recorders) indexes.delete(`${rec.pcId}:${rec.side}`);
    return { ok: false, error: `ffmpeg exited with ${code}` };
  }
  const ms = Math.round(performance.now() - started);

  // Where the audio decoded so far ends, in call time: a side still recording ends where its
  // audio ends; one that ended, or has no recorder, is silence from then on.
  const endOf = (side: Side): number => {
    const mine = decoded.filter((d) => d.side === side);
    if (!mine.some((d) => d.open)) return Infinity;
    return Math.max(...mine.map((d) => d.start + d.samples.length));
  };
  let whole = Math.min(endOf('agent'), endOf('caller'));
  if (!Number.isFinite(whole)) whole = Math.max(...decoded.map((d) => d.start + d.samples.length));
  let end: number;
  if (final) end = Math.max(1600, Math.round(req.finalDurationMs! * (RATE / 1000)));
  else end = whole - HOLD_BACK_BYTES / LIVE_FRAME_BYTES;
  const next = Math.max(from, end * LIVE_FRAME_BYTES);

  // Lay out [base, next) as 16 kHz stereo s16le: agent left, caller right.
  const frames = Math.max(0, next / LIVE_FRAME_BYTES - base);
  const pcm = new Int16Array(frames * 2);
  for (const d of decoded) {
    const channel = d.side === 'agent' ? 0 : 1;
    const lo = Math.max(base, d.start);
    const hi = Math.min(base + frames, d.start + d.samples.length);
    for (let t = lo; t < hi; t++) {
      const at = (t - base) * 2 + channel;
      const sum = pcm[at]! + d.samples[t - d.start]!;
      pcm[at] = sum > 32767 ? 32767 : sum < -32768 ? -32768 : sum;
    }
  }
  const out = new Uint8Array(pcm.buffer);
  const start = from - base * LIVE_FRAME_BYTES;

  // The bytes produced last time must come out the same: if they do not, this batch is not sent.
  let stable = true;
  if (tail && !final) stable = sameBytes(out.subarray(0, start), tail);
  const decodedS = decoded.reduce((n, d) => Math.max(n, d.samples.length), 0) / RATE;
  const batch = {
    audioS: Math.round((whole / RATE) * 10) / 10,
    ms,
    bytes: 0,
    decodedS: Math.round(decodedS * 10) / 10,
  };
  if (final) for (const rec of req.recorders) indexes.delete(`${rec.pcId}:${rec.side}`);
  if (!stable) {
    await live.update(req.callKey, (s) => ({
      ...s,
      t0,
      unstableBatches: s.unstableBatches + 1,
      batches: kept([...s.batches, batch]),
    }));
    return { ok: true, produced: state.produced, final: false };
  }
  const pieces: LivePiece[] = [];
  for (let at = from; at < next; at += PIECE_BYTES) {
    const slice = out.slice(start + at - from, start + Math.min(next, at + PIECE_BYTES) - from);
    pieces.push({ callKey: req.callKey, offset: at, data: slice.buffer });
  }
  batch.bytes = next - from;
  const saved = await live.update(
    req.callKey,
    (s) =>
      s.produced !== from || s.final || s.state === 'discard'
        ? null // another batch got there first, or the call is not to be recorded any more
        : {
            ...s,
            t0,
            produced: next,
            final,
            tail:
              next > 0 ? out.slice(Math.max(0, out.length - TAIL_BYTES), out.length).buffer : null,
            batches: kept([...s.batches, batch]),
          },
    () => pieces,
  );
  return { ok: true, produced: saved?.produced ?? next, final: saved?.final ?? final };
}
