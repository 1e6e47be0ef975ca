/** What the pipeline needs from a speech-to-text engine; whisper.cpp today, an HTTP API later. */
export interface EngineWord {
  text: string;
  startMs: number;
  endMs: number;
  probability?: number;
}

export interface EngineSegment {
  /** Relative to the start of the PCM that was passed in. */
  startMs: number;
  endMs: number;
  text: string;
  words?: EngineWord[];
}

export interface TranscribeOptions {
  /** ISO 639-1 code, or 'auto' to detect. */
  language: string;
  /** Initial prompt: the company's vocabulary, names, products. */
  prompt?: string;
  beamSize: number;
  threads: number;
  /** 0 disables whisper's temperature fallback (faster; less robust on hard audio). */
  temperatureInc?: number;
  /** 0..100 for this call. */
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
}

export interface TranscribeOutput {
  language: string;
  /** Text without U+FFFD: see invalidUtf8Dropped. */
  segments: EngineSegment[];
  /** Byte sequences of the engine's output that never formed a UTF-8 character, dropped. */
  invalidUtf8Dropped: number;
}

export interface Transcriber {
  /** e.g. 'whisper.cpp' */
  readonly engine: string;
  /** Model name as reported in results (file name without extension). */
  readonly model: string;
  readonly gpu: boolean;
  /** pcm: 16 kHz mono Float32 samples. */
  transcribe(pcm: Float32Array, opts: TranscribeOptions): Promise<TranscribeOutput>;
  close(): Promise<void>;
}

export class AbortedError extends Error {
  constructor() {
    super('transcription aborted');
    this.name = 'AbortedError';
  }
}
