/**
 * A live call's next batch of 16 kHz stereo PCM (docs/decisions/0502-extension-live-streaming.md):
 * ffmpeg.wasm decodes the call's chunks so far (Opus in WebM from the page's MediaRecorders) with
 * the whole-call plan, sides still recording left unpadded, so the output ends where the audio
 * decoded so far ends. The last half second is held back (the resampler's look-ahead and a cut
 * Opus frame may still change); what lies before it is the same in every later batch and in the
 * whole-call conversion, so only the bytes past what was produced are stored, as pieces, with the
 * state that counts them. At hang-up the rest is produced to the call's length.
 */
import type { FFmpeg } from '@ffmpeg/ffmpeg';
import { LIVE_FRAME_BYTES } from '@cwn/protocol';
import { ChunkStore, LiveStore, type Db, type LivePiece } from '../shared/db';
import type { LiveProduceRequest, LiveProduceResult, Side } from '../shared/messages';
import { ffmpegArgs, type PlanInput } from './ffmpeg-plan';

/** Held back from a batch's end: 0.5 s of 16 kHz stereo s16le. */
export const HOLD_BACK_BYTES = 16000 * LIVE_FRAME_BYTES * 0.5;
/** Pieces are at most this big (each one append). */
export const PIECE_BYTES = 256 * 1024;
/** The span of the last output compared with the next batch. */
const TAIL_BYTES = 16000;

function concat(parts: ArrayBuffer[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
  const inputs: PlanInput[] = [];
  const openSides = new Set<Side>();
  for (const rec of req.recorders) {
    const stored = await chunks.list(rec.pcId, rec.side);
    if (stored.length === 0) {
      // A side still recording with nothing stored yet: wait for it rather than send silence.
      if (rec.open && req.finalDurationMs === null)
        return { ok: true, produced: state.produced, final: false };
      continue;
    }
    const file = `live${inputs.length}.webm`;
    await ff.writeFile(file, concat(stored.map((c) => c.data)));
    inputs.push({ side: rec.side, file, startedAt: rec.startedAt });
    if (rec.open) openSides.add(rec.side);
  }
  if (inputs.length === 0) return { ok: true, produced: state.produced, final: false };
  const t0 = state.t0 ?? Math.min(...req.recorders.map((r) => r.startedAt));
  const final = req.finalDurationMs !== null;
  const args = ffmpegArgs(inputs, final ? req.finalDurationMs : null, 'live.pcm', {
    t0,
    format: 's16le',
    openSides: final ? [] : [...openSides],
  });
  const started = performance.now();
  const code = await ff.exec(args);
  for (const input of inputs) await ff.deleteFile(input.file);
  if (code !== 0) return { ok: false, error: `ffmpeg exited with ${code}` };
  const out = (await ff.readFile('live.pcm')) as Uint8Array;
  await ff.deleteFile('live.pcm');
  const ms = Math.round(performance.now() - started);
  const whole = out.length - (out.length % LIVE_FRAME_BYTES);
  let end = final ? whole : whole - HOLD_BACK_BYTES;
  end -= end % LIVE_FRAME_BYTES;
  const from = state.produced;
  // The bytes produced last time must come out the same: if they do not, this batch is not sent.
  let stable = true;
  if (state.tail && from > 0 && whole >= from) {
    const tail = new Uint8Array(state.tail);
    stable = sameBytes(out.subarray(from - tail.length, from), tail);
  }
  const batch = {
    audioS: Math.round((whole / (16000 * LIVE_FRAME_BYTES)) * 10) / 10,
    ms,
    bytes: 0,
  };
  if (!stable && !final) {
    await live.update(req.callKey, (s) => ({
      ...s,
      t0,
      unstableBatches: s.unstableBatches + 1,
      batches: [...s.batches, batch].slice(-200),
    }));
    return { ok: true, produced: state.produced, final: false };
  }
  const next = Math.max(from, end);
  const pieces: LivePiece[] = [];
  for (let at = from; at < next; at += PIECE_BYTES) {
    const slice = out.slice(at, Math.min(next, at + PIECE_BYTES));
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
            tail: next > 0 ? out.slice(Math.max(0, next - TAIL_BYTES), next).buffer : null,
            unstableBatches: s.unstableBatches + (stable ? 0 : 1),
            batches: [...s.batches, batch].slice(-200),
          },
    () => pieces,
  );
  return { ok: true, produced: saved?.produced ?? next, final: saved?.final ?? final };
}
