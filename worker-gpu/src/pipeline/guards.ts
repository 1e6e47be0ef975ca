/**
 * Quality guards against Whisper's known failure modes on call audio: text invented over silence,
 * and decoding loops that repeat a phrase ("thank you. thank you. thank you. …").
 */
import type { Region } from '../audio/vad';
import { overlapMs } from '../audio/vad';

export interface TimedText {
  startMs: number;
  endMs: number;
  text: string;
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * Collapses a phrase of 1..maxN words repeated `minRepeats` times or more in a row into a single
 * occurrence. Two repetitions are left alone ("no, no").
 */
export function collapseRepeatedPhrases(text: string, minRepeats = 3, maxN = 8): string {
  let words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length < minRepeats) return text.trim();
  let changed = true;
  while (changed) {
    changed = false;
    const keys = words.map(norm);
    outer: for (let n = 1; n <= maxN; n++) {
      for (let i = 0; i + n * minRepeats <= words.length; i++) {
        let reps = 1;
        while (i + (reps + 1) * n <= words.length) {
          let same = true;
          for (let k = 0; k < n; k++) {
            if (keys[i + k] !== keys[i + reps * n + k] || keys[i + k] === '') {
              same = false;
              break;
            }
          }
          if (!same) break;
          reps++;
        }
        if (reps >= minRepeats) {
          words = [...words.slice(0, i + n), ...words.slice(i + reps * n)];
          changed = true;
          break outer;
        }
      }
    }
  }
  return words.join(' ');
}

/** Drops a segment whose text repeats the previous kept segment's text (a loop across segments). */
export function collapseRepeatedSegments<T extends TimedText>(segments: T[], maxSame = 2): T[] {
  const out: T[] = [];
  let run = 0;
  for (const s of segments) {
    const prev = out[out.length - 1];
    if (prev && norm(prev.text) === norm(s.text) && norm(s.text) !== '') {
      run++;
      if (run >= maxSame) continue;
    } else {
      run = 0;
    }
    out.push(s);
  }
  return out;
}

/** Drops segments mostly outside speech (under minSpeechRatio of their length inside regions). */
export function dropNonSpeech<T extends TimedText>(
  segments: T[],
  speech: Region[],
  minSpeechRatio: number,
): T[] {
  return segments.filter((s) => {
    const len = Math.max(1, s.endMs - s.startMs);
    // a zero-length segment counts as speech when its instant falls inside a region
    const covered =
      s.endMs > s.startMs
        ? overlapMs(speech, s.startMs, s.endMs)
        : overlapMs(speech, s.startMs, s.startMs + 1);
    return covered / len >= minSpeechRatio;
  });
}

export interface GuardOptions {
  minSpeechRatio: number;
}

/** All guards, in order: clean text, drop empty, drop non-speech, drop repeated segments. */
export function applyGuards<T extends TimedText>(
  segments: T[],
  speech: Region[],
  opts: GuardOptions,
): T[] {
  const cleaned = segments
    .map((s) => ({ ...s, text: collapseRepeatedPhrases(s.text) }))
    .filter((s) => norm(s.text) !== '');
  return collapseRepeatedSegments(dropNonSpeech(cleaned, speech, opts.minSpeechRatio));
}
