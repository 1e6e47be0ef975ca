/**
 * From decoded call audio to one speaker-labelled transcript: per channel, find speech, send only
 * speech chunks to the engine, shift timestamps back to call time, apply the quality guards, then
 * merge both channels by time.
 */
import type { Segment } from '@cwn/protocol';
import type { DecodedAudio } from '../audio/wav';
import { chunkRegions, detectSpeech, type Region, type VadOptions } from '../audio/vad';
import type { Transcriber } from '../engine/transcriber';
import { applyGuards, type TimedText } from './guards';
import { mergeSegments, speakersFor } from './merge';

export interface CallTranscriptionOptions {
  language: string;
  prompt?: string;
  beamSize: number;
  threads: number;
  temperatureInc?: number;
  /** Skip silence with the energy VAD; off = the whole channel goes to the engine in 30 s chunks. */
  vad: boolean;
  vadOptions?: Partial<VadOptions>;
  /** A channel with less speech than this is not transcribed at all. */
  minSpeechMs: number;
  /** A segment with less of its span inside speech than this ratio is dropped. */
  minSpeechRatio: number;
  maxChunkMs?: number;
  /** 0..100 over the whole call. */
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
}

export interface CallTranscription {
  language: string;
  segments: Segment[];
  /** Milliseconds of audio actually sent to the engine, all channels. */
  speechMs: number;
  /** Byte sequences the engine wrote that never formed a character, dropped from the text. */
  invalidUtf8Dropped: number;
}

function gate(pcm: Float32Array, speech: Region[], offsetMs: number, rate: number): Float32Array {
  const out = new Float32Array(pcm.length);
  for (const r of speech) {
    const a = Math.max(0, Math.floor(((r.startMs - offsetMs) * rate) / 1000));
    const b = Math.min(pcm.length, Math.ceil(((r.endMs - offsetMs) * rate) / 1000));
    if (b > a) out.set(pcm.subarray(a, b), a);
  }
  return out;
}

export type SpanOptions = Pick<
  CallTranscriptionOptions,
  'language' | 'prompt' | 'beamSize' | 'threads' | 'temperatureInc' | 'onProgress' | 'signal'
>;

/**
 * One chunk of audio through the engine: `input` holds the samples of `span` (milliseconds of the
 * audio it was cut from); the segments come back in that time, clamped to the span (whisper may
 * place a timestamp past the end of the audio it was given), text trimmed, guards not yet applied.
 * Shared by the whole-call and the window paths so that both transcribe alike.
 */
export async function transcribeSpan(
  engine: Transcriber,
  input: Float32Array,
  span: Region,
  opts: SpanOptions,
): Promise<{ language: string; segments: TimedText[]; invalidUtf8Dropped: number }> {
  const out = await engine.transcribe(input, {
    language: opts.language,
    prompt: opts.prompt,
    beamSize: opts.beamSize,
    threads: opts.threads,
    temperatureInc: opts.temperatureInc,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  const segments = out.segments.map((s) => {
    const startMs = Math.min(span.endMs, span.startMs + Math.max(0, s.startMs));
    const endMs = Math.max(startMs, Math.min(span.endMs, span.startMs + Math.max(0, s.endMs)));
    return { startMs, endMs, text: s.text.trim() };
  });
  return { language: out.language, segments, invalidUtf8Dropped: out.invalidUtf8Dropped };
}

export async function transcribeCall(
  audio: DecodedAudio,
  engine: Transcriber,
  opts: CallTranscriptionOptions,
): Promise<CallTranscription> {
  const speakers = speakersFor(audio.channels.length);
  const maxChunkMs = opts.maxChunkMs ?? 28000;
  const rate = audio.sampleRate;
  const plans = audio.channels.map((pcm) => {
    const whole: Region[] = [{ startMs: 0, endMs: audio.durationMs }];
    const speech = opts.vad ? detectSpeech(pcm, rate, opts.vadOptions) : whole;
    const speechMs = speech.reduce((a, r) => a + r.endMs - r.startMs, 0);
    const chunks = speechMs >= opts.minSpeechMs ? chunkRegions(speech, maxChunkMs) : [];
    return { pcm, speech, chunks };
  });
  const totalMs = plans.reduce(
    (a, p) => a + p.chunks.reduce((b, c) => b + c.endMs - c.startMs, 0),
    0,
  );
  let doneMs = 0;
  let invalidUtf8Dropped = 0;
  const languages = new Map<string, number>();
  const perChannel: Segment[][] = [];

  for (let c = 0; c < plans.length; c++) {
    const { pcm, speech, chunks } = plans[c]!;
    const raw: TimedText[] = [];
    for (const chunk of chunks) {
      const len = chunk.endMs - chunk.startMs;
      const from = Math.floor((chunk.startMs * rate) / 1000);
      const to = Math.min(pcm.length, Math.ceil((chunk.endMs * rate) / 1000));
      // inside a chunk, the gaps between speech regions become digital silence: no crosstalk or
      // line noise for the model to turn into words
      const input = opts.vad
        ? gate(pcm.subarray(from, to), speech, chunk.startMs, rate)
        : pcm.subarray(from, to);
      const out = await transcribeSpan(engine, input, chunk, {
        ...opts,
        onProgress: (p) =>
          opts.onProgress?.(totalMs ? ((doneMs + (len * p) / 100) * 100) / totalMs : 100),
      });
      doneMs += len;
      invalidUtf8Dropped += out.invalidUtf8Dropped;
      opts.onProgress?.(totalMs ? (doneMs * 100) / totalMs : 100);
      languages.set(out.language, (languages.get(out.language) ?? 0) + len);
      raw.push(...out.segments);
    }
    const kept = applyGuards(raw, speech, { minSpeechRatio: opts.minSpeechRatio });
    perChannel.push(
      kept.map((s) => ({
        speaker: speakers[c]!,
        startMs: s.startMs,
        endMs: s.endMs,
        text: s.text,
      })),
    );
  }

  let language = opts.language !== 'auto' ? opts.language : 'und';
  let best = -1;
  for (const [lang, ms] of languages) {
    if (ms > best) {
      best = ms;
      language = lang;
    }
  }
  return {
    language,
    segments: mergeSegments(perChannel),
    speechMs: totalMs,
    invalidUtf8Dropped,
  };
}
