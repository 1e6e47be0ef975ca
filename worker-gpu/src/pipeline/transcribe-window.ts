/**
 * One window of one channel (cut at pauses by the server's VAD) to segments in call time: the
 * window goes to the engine as one chunk, the quality guards apply to it alone, and timestamps are
 * shifted by the window's start. Stateless: what came before reaches it only through the prompt.
 */
import type { Segment, Speaker } from '@cwn/protocol';
import { detectSpeech, type Region, type VadOptions } from '../audio/vad';
import type { Transcriber } from '../engine/transcriber';
import { applyGuards } from './guards';
import { transcribeSpan, type SpanOptions } from './transcribe-call';

export interface WindowTranscriptionOptions extends SpanOptions {
  /** Energy VAD over the window for the guards; off = the whole window counts as speech. */
  vad: boolean;
  vadOptions?: Partial<VadOptions>;
  /** A segment with less of its span inside speech than this ratio is dropped. */
  minSpeechRatio: number;
}

export interface WindowTranscription {
  language: string;
  segments: Segment[];
  /** Milliseconds of the window the energy VAD took for speech (the whole window when off). */
  speechMs: number;
  invalidUtf8Dropped: number;
}

export async function transcribeWindow(
  pcm: Float32Array,
  sampleRate: number,
  window: { startSample: number; speaker: Speaker },
  engine: Transcriber,
  opts: WindowTranscriptionOptions,
): Promise<WindowTranscription> {
  const durationMs = (pcm.length * 1000) / sampleRate;
  const whole: Region[] = [{ startMs: 0, endMs: durationMs }];
  // The window's audio goes to the engine as it is (not gated as the whole-call path's chunks
  // are): the server's VAD already chose it as speech, and an energy VAD over a window that is
  // mostly speech has no silence to take its noise floor from. Its regions only feed the guards.
  const speech = opts.vad ? detectSpeech(pcm, sampleRate, opts.vadOptions) : whole;
  const speechMs = speech.reduce((a, r) => a + r.endMs - r.startMs, 0);
  const fallbackLanguage = opts.language !== 'auto' ? opts.language : 'und';
  // with no speech at all the guards would drop every segment: spare the engine
  if (speechMs === 0) {
    return { language: fallbackLanguage, segments: [], speechMs, invalidUtf8Dropped: 0 };
  }
  const out = await transcribeSpan(engine, pcm, { startMs: 0, endMs: durationMs }, opts);
  const kept = applyGuards(out.segments, speech, { minSpeechRatio: opts.minSpeechRatio });
  // call time; rounded inside the window's own bounds, never before its start or past its end
  const offsetMs = (window.startSample * 1000) / sampleRate;
  const lo = Math.ceil(offsetMs);
  const hi = Math.max(lo, Math.floor(((window.startSample + pcm.length) * 1000) / sampleRate));
  const at = (ms: number) => Math.min(hi, Math.max(lo, Math.round(offsetMs + ms)));
  return {
    language: out.language || fallbackLanguage,
    segments: kept.map((s) => ({
      speaker: window.speaker,
      startMs: at(s.startMs),
      endMs: at(s.endMs),
      text: s.text,
    })),
    speechMs,
    invalidUtf8Dropped: out.invalidUtf8Dropped,
  };
}
