/**
 * The offscreen document: converts a finished call's chunks (read from the shared IndexedDB) into
 * one 16 kHz stereo WAV with ffmpeg.wasm (single-thread core, loaded from the extension's own
 * files), stores it with its sha256 in the upload item and answers the service worker.
 */
import { FFmpeg } from '@ffmpeg/ffmpeg';
import { ChunkStore, openCwnDb, type Db } from '../shared/db';
import {
  ConvertRequest,
  LiveProduceRequest,
  TabCaptureStart,
  type ConvertResult,
  type LiveProduceResult,
} from '../shared/messages';
import { produceLive } from './live-produce';
import { startTabCapture } from './tab-capture';
import { ffmpegArgs, type PlanInput } from './ffmpeg-plan';
import { browser } from '../shared/browser';

let ffmpeg: FFmpeg | null = null;
/** ffmpeg's last log lines, quoted when a conversion fails. */
const lastLog: string[] = [];
let dbPromise: Promise<Db> | null = null;

async function loadedFfmpeg(): Promise<FFmpeg> {
  if (ffmpeg) return ffmpeg;
  const instance = new FFmpeg();
  instance.on('log', ({ message }) => {
    lastLog.push(message);
    if (lastLog.length > 60) lastLog.shift();
  });
  await instance.load({
    classWorkerURL: browser.runtime.getURL('ffmpeg/worker.js'),
    coreURL: browser.runtime.getURL('ffmpeg/ffmpeg-core.js'),
    wasmURL: browser.runtime.getURL('ffmpeg/ffmpeg-core.wasm'),
  });
  ffmpeg = instance;
  return instance;
}

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

async function sha256Hex(data: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function convert(callKey: string): Promise<ConvertResult> {
  const db = await (dbPromise ??= openCwnDb());
  const item = await db.get('uploads', callKey);
  if (!item) return { ok: false, error: `no upload item ${callKey}` };
  const chunks = new ChunkStore(db);
  const ff = await loadedFfmpeg();
  const inputs: PlanInput[] = [];
  for (const rec of item.call.recorders) {
    const stored = await chunks.list(rec.pcId, rec.side);
    if (stored.length === 0) continue;
    const file = `in${inputs.length}.webm`;
    await ff.writeFile(file, concat(stored.map((c) => c.data)));
    inputs.push({ side: rec.side, file, startedAt: rec.startedAt });
  }
  if (inputs.length === 0) return { ok: false, error: 'the call has no recorded audio' };
  const t0 = Math.min(...inputs.map((i) => i.startedAt));
  const end = Math.max(
    ...item.call.recorders.map((r) => r.stoppedAt ?? item.call.endedAt ?? t0),
    item.call.endedAt ?? t0,
  );
  const durationMs = Math.max(100, Math.min(end, item.call.endedAt ?? end) - t0);
  lastLog.length = 0;
  const code = await ff.exec(ffmpegArgs(inputs, durationMs, 'out.wav'));
  for (const input of inputs) await ff.deleteFile(input.file);
  if (code !== 0)
    return { ok: false, error: `ffmpeg exited with ${code}: ${lastLog.slice(-12).join(' | ')}` };
  const out = (await ff.readFile('out.wav')) as Uint8Array;
  await ff.deleteFile('out.wav');
  const wav = out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
  const sha256 = await sha256Hex(wav);
  const wavDurationMs = Math.round(durationMs);
  await db.put('uploads', {
    ...item,
    wav,
    sha256,
    sizeBytes: wav.byteLength,
    durationMs: wavDurationMs,
    status: 'pending',
    nextAttemptAt: Date.now(),
    updatedAt: Date.now(),
  });
  return { ok: true, sizeBytes: wav.byteLength, durationMs: wavDurationMs, sha256 };
}

/** One conversion at a time: ffmpeg.wasm has one virtual file system and one worker. */
let queue: Promise<unknown> = Promise.resolve();

browser.runtime.onMessage.addListener((raw: unknown) => {
  const capture = TabCaptureStart.safeParse(raw);
  if (capture.success)
    return startTabCapture(capture.data.tabId, capture.data.streamId).then(
      () => ({ ok: true }),
      (err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  const live = LiveProduceRequest.safeParse(raw);
  if (live.success) {
    const run = queue.then(async () =>
      produceLive(await (dbPromise ??= openCwnDb()), await loadedFfmpeg(), live.data),
    );
    queue = run.catch(() => undefined);
    return run.catch((err: unknown): LiveProduceResult => ({
      ok: false,
      error: err instanceof Error ? err.message : String(err),
    }));
  }
  const parsed = ConvertRequest.safeParse(raw);
  if (!parsed.success) return undefined;
  const run = queue.then(() => convert(parsed.data.callKey));
  queue = run.catch(() => undefined);
  return run.catch((err: unknown): ConvertResult => ({
    ok: false,
    error: err instanceof Error ? err.message : String(err),
  }));
});
