import type { SpeechDetector } from './speech-detector';
import { WindowCutter, type SpeechWindow, type WindowingOptions } from './window-cutter';

/**
 * One channel of a call, as 16 kHz signed 16-bit samples appended in order: splits them into VAD
 * frames (keeping the remainder for the next append), asks the detector for each frame's speech
 * probability and returns the windows the cutter closes. Pieces of any size give the same windows.
 */
export class ChannelWindower {
  private readonly cutter: WindowCutter;
  private pending = new Float32Array(0);
  private total = 0;

  constructor(
    private readonly detector: SpeechDetector,
    options: Partial<Omit<WindowingOptions, 'frameSamples'>> = {},
  ) {
    this.cutter = new WindowCutter({ ...options, frameSamples: detector.frameSamples });
    this.total = this.cutter.options.originSample;
  }

  get cutterOptions(): Readonly<WindowingOptions> {
    return this.cutter.options;
  }

  /** Channel position after the samples appended so far (from `originSample`). */
  get samples(): number {
    return this.total;
  }

  get droppedWindows() {
    return this.cutter.droppedWindows;
  }

  /** The channel's previous window still waits for its transcript (the cutter's `hold`). */
  set hold(busy: boolean) {
    this.cutter.hold = busy;
  }

  async append(pcm: Int16Array): Promise<SpeechWindow[]> {
    this.total += pcm.length;
    const joined = new Float32Array(this.pending.length + pcm.length);
    joined.set(this.pending);
    for (let i = 0; i < pcm.length; i++) joined[this.pending.length + i] = pcm[i]! / 32768;
    const n = this.detector.frameSamples;
    const whole = joined.length - (joined.length % n);
    const out: SpeechWindow[] = [];
    for (let off = 0; off < whole; off += n) {
      out.push(...this.cutter.push(await this.detector.probability(joined.subarray(off, off + n))));
    }
    this.pending = joined.slice(whole);
    return out;
  }

  /** The channel ended: the last partial frame is padded with silence, the open window closed. */
  async finish(): Promise<SpeechWindow[]> {
    const out: SpeechWindow[] = [];
    if (this.pending.length > 0) {
      const frame = new Float32Array(this.detector.frameSamples);
      frame.set(this.pending);
      this.pending = new Float32Array(0);
      out.push(...this.cutter.push(await this.detector.probability(frame)));
    }
    out.push(...this.cutter.finish(this.total));
    return out.map((w) => ({ ...w, endSample: Math.min(w.endSample, this.total) }));
  }
}
