import type { LiveSegmentsEvent, LiveTranscript, Segment } from '@cwn/protocol';

/** Samples per millisecond of the live audio (16 kHz). */
const SAMPLES_PER_MS = 16;

/**
 * A live transcript as the call view follows it: the server's snapshot, then each window's
 * segments as they come. A window's segments replace whatever the view held for that channel over
 * that window's span (a retried window, or one already in the snapshot), so nothing shows twice.
 */
export function applyWindow(live: LiveTranscript, event: LiveSegmentsEvent): LiveTranscript {
  const { window } = event;
  const fromMs = Math.floor(window.startSample / SAMPLES_PER_MS);
  const toMs = Math.ceil(window.endSample / SAMPLES_PER_MS);
  const inWindow = (s: Segment) =>
    s.speaker === window.channel && s.startMs >= fromMs && s.startMs < toMs;
  const segments = [...live.segments.filter((s) => !inWindow(s)), ...event.segments].sort(
    (a, b) => a.startMs - b.startMs || a.endMs - b.endMs,
  );
  return { ...live, segments };
}

/** A live transcript with nothing in it yet, for a window that arrives before the snapshot. */
export const emptyLive = (event: LiveSegmentsEvent): LiveTranscript => ({
  callId: event.callId,
  liveRecordingId: event.liveRecordingId,
  state: 'open',
  cutOff: false,
  segments: [],
  windows: { queued: 0, done: 0 },
});
