/**
 * Cuts one channel's speech into transcription windows, frame by frame, as the audio arrives.
 *
 * It sees one speech probability per VAD frame (from Silero, or the energy fallback) and closes a
 * window at the first pause long enough, or, when someone talks for longer than a window may last,
 * at the least speech-like frame of the window's last seconds (so a word is rarely cut in two).
 * Windows are in sample offsets of the channel, in order, never overlap, and a forced cut leaves no
 * gap: the next window starts where the previous one ended. Pure and synchronous: the same
 * probabilities (and the same `hold` at each frame) give the same windows however the audio was
 * split into pieces.
 *
 * `hold` (decision 1401): while the channel's previous window still waits for its transcript, a
 * pause does not close the open window; it only marks where it could have closed. When the hold
 * lifts, the window closes at the next pause long enough (when the channel is in one), else at
 * the latest held pause, the speech since then opening the next window; at the longest window it
 * is cut at that pause rather than mid-speech. A busy worker thus gets fewer, fuller windows — each pays Whisper's 30 s encoder pass
 * whatever its length — and an idle one gets every pause's window at once, as before.
 */
export interface WindowingOptions {
  /** Samples per VAD frame (Silero v5 at 16 kHz: 512). */
  frameSamples: number;
  sampleRate: number;
  /** A frame at or above this probability starts speech. */
  positiveThreshold: number;
  /** Inside speech, frames under this probability count as pause. */
  negativeThreshold: number;
  /** A pause this long closes the window. Shorter: segments sooner; longer: fuller windows. */
  minPauseMs: number;
  /** No window is longer (Whisper sees 30 s at most; we keep room for padding). */
  maxWindowMs: number;
  /** Audio kept before the first and after the last speech frame of a window. */
  padMs: number;
  /** A window with less speech than this is dropped (a cough, a click), and counted. */
  minSpeechMs: number;
  /** A forced cut looks for the least speech-like frame in this last part of the window. */
  cutSearchMs: number;
  /**
   * Channel sample of the first frame: a cutter resumed after a restart starts where the last
   * window it had queued ended, and never pads back before it.
   */
  originSample: number;
  /**
   * A resumed cutter opens no window before this sample (the end of the last window queued for
   * this channel, when the other channel's ended earlier and set the origin). Default: the origin.
   */
  resumeAfterSample?: number;
  /** Whether `hold` is honoured (off: every long enough pause closes the window, busy or not). */
  growWhileBusy: boolean;
}

export const DEFAULT_WINDOWING: WindowingOptions = {
  frameSamples: 512,
  sampleRate: 16000,
  positiveThreshold: 0.5,
  negativeThreshold: 0.35,
  minPauseMs: 600,
  maxWindowMs: 28000,
  padMs: 200,
  minSpeechMs: 250,
  cutSearchMs: 4000,
  originSample: 0,
  growWhileBusy: true,
};

export type WindowCloseReason = 'pause' | 'max-length' | 'end';

export interface SpeechWindow {
  /** First sample of the window in the channel (inclusive). */
  startSample: number;
  /** End of the window (exclusive). */
  endSample: number;
  /** Samples of the window the detector called speech. */
  speechSamples: number;
  reason: WindowCloseReason;
}

export interface DroppedWindow {
  startSample: number;
  endSample: number;
  speechSamples: number;
}

interface OpenWindow {
  startSample: number;
  /** End of the last speech frame seen. */
  lastSpeechEnd: number;
  speechFrames: number;
  pauseFrames: number;
  /** Probabilities of the window's frames, from the frame at `firstFrame`. */
  probabilities: number[];
  firstFrame: number;
  /** Whether the window continues one closed at max length (it is never dropped as too short). */
  continued: boolean;
  /** Index in `probabilities` of the frame the latest held pause would have closed the window at. */
  heldCut: number | null;
}

export class WindowCutter {
  private readonly o: WindowingOptions;
  private frame = 0;
  /** End of the last closed window: padding never reaches back before it. */
  private floor = 0;
  private open: OpenWindow | null = null;
  private readonly dropped: DroppedWindow[] = [];
  private held = false;

  constructor(options: Partial<WindowingOptions> = {}) {
    this.o = { ...DEFAULT_WINDOWING, ...options };
    this.floor = Math.max(this.o.originSample, this.o.resumeAfterSample ?? 0);
    if (this.o.negativeThreshold > this.o.positiveThreshold) {
      throw new RangeError('negativeThreshold must not exceed positiveThreshold');
    }
    if (this.o.maxWindowMs <= this.o.cutSearchMs) {
      throw new RangeError('maxWindowMs must exceed cutSearchMs');
    }
  }

  get options(): Readonly<WindowingOptions> {
    return this.o;
  }

  /** Samples seen so far (whole frames). */
  get position(): number {
    return this.o.originSample + this.frame * this.o.frameSamples;
  }

  /**
   * Whether the channel's previous window still waits for its transcript: a pause then does not
   * close the open window (see the class comment). Set before the frames it applies to.
   */
  set hold(busy: boolean) {
    this.held = busy && this.o.growWhileBusy;
  }

  get hold(): boolean {
    return this.held;
  }

  /** Windows dropped for holding too little speech, for the coverage accounting. */
  get droppedWindows(): readonly DroppedWindow[] {
    return this.dropped;
  }

  /** Feeds the next frame's speech probability; returns the windows this frame closed (0 or 1). */
  push(probability: number): SpeechWindow[] {
    const out: SpeechWindow[] = [];
    const n = this.o.frameSamples;
    const start = this.o.originSample + this.frame * n;
    const end = start + n;
    const w = this.open;
    if (!w) {
      if (probability >= this.o.positiveThreshold && end > this.floor) {
        const padStart = Math.max(this.floor, start - this.samples(this.o.padMs));
        this.open = {
          startSample: padStart,
          lastSpeechEnd: end,
          speechFrames: 1,
          pauseFrames: 0,
          probabilities: [probability],
          firstFrame: this.frame,
          continued: false,
          heldCut: null,
        };
      }
    } else {
      w.probabilities.push(probability);
      if (probability >= this.o.negativeThreshold) {
        w.speechFrames += 1;
        w.pauseFrames = 0;
        w.lastSpeechEnd = end;
      } else {
        w.pauseFrames += 1;
      }
      const pauseDue = w.pauseFrames * n >= this.samples(this.o.minPauseMs);
      const full = end - w.startSample >= this.samples(this.o.maxWindowMs);
      if (pauseDue && !this.held) {
        const closeAt = Math.min(end, w.lastSpeechEnd + this.samples(this.o.padMs));
        this.close(w, closeAt, 'pause', out);
      } else if (w.heldCut !== null && (full || (!this.held && w.pauseFrames === 0))) {
        this.cutAt(w, w.heldCut, 'pause', out);
      } else if (full) {
        this.cutAtQuietestFrame(w, out);
      } else if (pauseDue) {
        // where this pause would have closed the window: the frame after the padding
        const closeAt = w.lastSpeechEnd + this.samples(this.o.padMs);
        const frameOf = Math.ceil((closeAt - this.o.originSample) / n) - w.firstFrame;
        w.heldCut = Math.max(1, Math.min(w.probabilities.length - 1, frameOf));
      }
    }
    this.frame += 1;
    return out;
  }

  /** The channel ended at `totalSamples`: closes the open window, if any. */
  finish(totalSamples: number = this.position): SpeechWindow[] {
    const out: SpeechWindow[] = [];
    const w = this.open;
    if (w) {
      this.close(
        w,
        Math.min(totalSamples, w.lastSpeechEnd + this.samples(this.o.padMs)),
        'end',
        out,
      );
    }
    return out;
  }

  private cutAtQuietestFrame(w: OpenWindow, out: SpeechWindow[]): void {
    const n = this.o.frameSamples;
    const searchFrames = Math.max(1, Math.floor(this.samples(this.o.cutSearchMs) / n));
    const probs = w.probabilities;
    let best = probs.length - 1;
    for (let i = probs.length - 1; i >= Math.max(1, probs.length - searchFrames); i--) {
      if (probs[i]! < probs[best]!) best = i;
    }
    this.cutAt(w, best, 'max-length', out);
  }

  /** Closes the window where its frame `best` starts; that frame opens the next window. */
  private cutAt(w: OpenWindow, best: number, reason: WindowCloseReason, out: SpeechWindow[]) {
    const n = this.o.frameSamples;
    const probs = w.probabilities;
    // The window ends where the frame starts; that frame opens the next window.
    const cutFrame = w.firstFrame + best;
    const cutSample = this.o.originSample + cutFrame * n;
    const kept = probs.slice(best);
    const speechBefore = probs.slice(0, best).filter((p) => p >= this.o.negativeThreshold).length;
    const speechAfter = kept.filter((p) => p >= this.o.negativeThreshold).length;
    out.push({
      startSample: w.startSample,
      endSample: cutSample,
      speechSamples: speechBefore * n,
      reason,
    });
    this.floor = cutSample;
    let lastSpeech = -1;
    kept.forEach((p, i) => {
      if (p >= this.o.negativeThreshold) lastSpeech = i;
    });
    let pauseFrames = 0;
    for (let i = kept.length - 1; i >= 0 && kept[i]! < this.o.negativeThreshold; i--)
      pauseFrames += 1;
    this.open = {
      startSample: cutSample,
      lastSpeechEnd: lastSpeech >= 0 ? cutSample + (lastSpeech + 1) * n : cutSample,
      speechFrames: speechAfter,
      pauseFrames,
      probabilities: kept,
      firstFrame: cutFrame,
      continued: true,
      heldCut: null,
    };
  }

  private close(
    w: OpenWindow,
    endSample: number,
    reason: WindowCloseReason,
    out: SpeechWindow[],
  ): void {
    this.open = null;
    const speechSamples = w.speechFrames * this.o.frameSamples;
    if (!w.continued && speechSamples < this.samples(this.o.minSpeechMs)) {
      this.dropped.push({ startSample: w.startSample, endSample, speechSamples });
      return;
    }
    this.floor = endSample;
    out.push({ startSample: w.startSample, endSample, speechSamples, reason });
  }

  private samples(ms: number): number {
    return Math.round((ms * this.o.sampleRate) / 1000);
  }
}
