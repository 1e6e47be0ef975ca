/**
 * whisper.cpp through @fugood/whisper.node: prebuilt CPU, CUDA 12 and Vulkan binaries shipped as
 * optional npm packages (see docs/decisions/0100-whisper-engine.md).
 *
 * One native context per concurrent job (a context serialises its calls); `transcribeData` takes
 * 16-bit PCM, so Float32 samples are converted here. The binding cannot interrupt whisper_full
 * (no abort callback): abort takes effect when the current call returns, and the pipeline feeds
 * chunks of at most 30 s so that is soon.
 */
import { basename, extname } from 'node:path';
import {
  AbortedError,
  type TranscribeOptions,
  type TranscribeOutput,
  type Transcriber,
} from './transcriber';
import { repairSegmentTexts } from './utf8';

interface NativeSegment {
  text: string;
  t0: number;
  t1: number;
}
interface NativeResult {
  language?: string;
  /** All segments' bytes decoded at once (a segment's text is decoded on its own). */
  result?: string;
  segments: NativeSegment[];
  isAborted: boolean;
}
interface NativeContext {
  transcribeData(
    data: ArrayBuffer,
    options: Record<string, unknown>,
  ): { stop: () => Promise<void>; promise: Promise<NativeResult> };
  bench(
    threads: number,
  ): Promise<{ encodeMs: number; decodeMs: number; batchdMs: number; promptMs: number }>;
  release(): Promise<void>;
}
interface NativeModule {
  initWhisper(
    options: { filePath: string; useGpu?: boolean; useFlashAttn?: boolean },
    variant?: string,
  ): Promise<NativeContext>;
  loadWhisperModule(variant?: string): Promise<unknown>;
  toggleNativeLog(enable: boolean): Promise<void>;
  addNativeLogListener(listener: (level: string, text: string) => void): { remove: () => void };
}

export interface WhisperCppOptions {
  modelPath: string;
  gpu: boolean;
  flashAttn?: boolean;
  /** Native contexts to create (= jobs this process runs at once). */
  contexts: number;
  /** Forward whisper.cpp's log lines here (model load, backends). */
  log?: (line: string) => void;
}

export function toPcm16(pcm: Float32Array): ArrayBuffer {
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    const v = Math.max(-1, Math.min(1, pcm[i]!));
    out[i] = v < 0 ? v * 32768 : v * 32767;
  }
  return out.buffer;
}

let logHooked = false;
let liveTranscribers = 0;
let logListener: { remove: () => void } | null = null;
let logSink: ((line: string) => void) | null = null;

export class WhisperCppTranscriber implements Transcriber {
  readonly engine = 'whisper.cpp';
  readonly model: string;
  readonly gpu: boolean;
  private free: NativeContext[] = [];
  private waiters: Array<(ctx: NativeContext) => void> = [];
  private all: NativeContext[] = [];
  private closed = false;

  private constructor(opts: WhisperCppOptions) {
    this.model = basename(opts.modelPath, extname(opts.modelPath)).replace(/^ggml-/, '');
    this.gpu = opts.gpu;
  }

  static async create(opts: WhisperCppOptions): Promise<WhisperCppTranscriber> {
    const native = require('@fugood/whisper.node') as NativeModule;
    const t = new WhisperCppTranscriber(opts);
    // route whisper.cpp's log through JS (otherwise it prints every load line on stderr)
    logSink = opts.log ?? null;
    if (!logHooked) {
      logListener = native.addNativeLogListener((_level, text) => logSink?.(text.trimEnd()));
      await native.toggleNativeLog(true);
      logHooked = true;
    }
    liveTranscribers++;
    // 'cuda' loads the CUDA 12 build when its package and libraries are present, else the CPU one
    const variant = opts.gpu ? 'cuda' : 'default';
    for (let i = 0; i < Math.max(1, opts.contexts); i++) {
      const ctx = await native.initWhisper(
        { filePath: opts.modelPath, useGpu: opts.gpu, useFlashAttn: opts.flashAttn ?? opts.gpu },
        variant,
      );
      t.all.push(ctx);
      t.free.push(ctx);
    }
    return t;
  }

  private acquire(): Promise<NativeContext> {
    const ctx = this.free.pop();
    if (ctx) return Promise.resolve(ctx);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(ctx: NativeContext): void {
    const next = this.waiters.shift();
    if (next) next(ctx);
    else this.free.push(ctx);
  }

  async transcribe(pcm: Float32Array, opts: TranscribeOptions): Promise<TranscribeOutput> {
    if (opts.signal?.aborted) throw new AbortedError();
    const ctx = await this.acquire();
    try {
      const native: Record<string, unknown> = {
        language: opts.language || 'auto',
        maxThreads: opts.threads,
        // passed through, but binding 1.1.3 always builds greedy parameters, so whisper.cpp ignores
        // it (see the decision record); kept so a binding that honours it needs no change here
        beamSize: opts.beamSize,
      };
      if (opts.prompt) native.prompt = opts.prompt;
      if (opts.temperatureInc !== undefined) native.temperatureInc = opts.temperatureInc;
      if (opts.onProgress) {
        const cb = opts.onProgress;
        native.onProgress = (p: number) => cb(Math.max(0, Math.min(100, p)));
      }
      const { stop, promise } = ctx.transcribeData(toPcm16(pcm), native);
      const onAbort = () => void stop();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      let result: NativeResult;
      try {
        result = await promise;
      } catch (err) {
        if (opts.signal?.aborted) throw new AbortedError();
        throw err;
      } finally {
        opts.signal?.removeEventListener('abort', onAbort);
      }
      if (result.isAborted || opts.signal?.aborted) throw new AbortedError();
      const text = repairSegmentTexts(
        result.result ?? result.segments.map((s) => s.text).join(''),
        result.segments.map((s) => s.text),
      );
      return {
        language: result.language || (opts.language !== 'auto' ? opts.language : 'und'),
        segments: result.segments.map((s, i) => ({
          startMs: Math.round(s.t0),
          endMs: Math.round(s.t1),
          text: text.texts[i]!,
        })),
        invalidUtf8Dropped: text.invalidDropped,
      };
    } finally {
      this.release(ctx);
    }
  }

  /** whisper.cpp's own encoder/decoder timing on this machine (used by the bench). */
  async bench(
    threads: number,
  ): Promise<{ encodeMs: number; decodeMs: number; batchdMs: number; promptMs: number }> {
    const ctx = await this.acquire();
    try {
      return await ctx.bench(threads);
    } finally {
      this.release(ctx);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = this.all;
    this.all = [];
    this.free = [];
    await Promise.all(all.map((c) => c.release()));
    if (--liveTranscribers === 0 && logHooked) {
      // the native log callback holds the event loop open: drop it with the last context
      const native = require('@fugood/whisper.node') as NativeModule;
      await native.toggleNativeLog(false);
      logListener?.remove();
      logListener = null;
      logHooked = false;
    }
  }
}
