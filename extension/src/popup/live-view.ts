/**
 * Pure view-model of a call's live transcript in the popup (no DOM, no fetch): the segments so far
 * from `GET /api/calls/:id/live-transcript`, then each `transcript.live` event, which carries one
 * window's segments and replaces that window's earlier ones (a window transcribed again).
 */
import type { LiveSegmentsEvent, LiveWindow, Segment } from '@cwn/protocol';

const MS_PER_SAMPLE = 1000 / 16000;

function inWindow(segment: Segment, window: LiveWindow): boolean {
  const start = window.startSample * MS_PER_SAMPLE;
  const end = window.endSample * MS_PER_SAMPLE;
  return segment.speaker === window.channel && segment.startMs >= start && segment.startMs < end;
}

export class LiveSegments {
  /** What the first read gave (segments without their window). */
  private base: Segment[] = [];
  private readonly windows = new Map<string, { window: LiveWindow; segments: Segment[] }>();

  /** The segments read from the server; those of windows already received by event are kept out. */
  setInitial(segments: readonly Segment[]): void {
    const windows = [...this.windows.values()].map((w) => w.window);
    this.base = segments.filter((s) => !windows.some((w) => inWindow(s, w)));
  }

  /** One window's segments: they replace the window's earlier ones. False: another call's. */
  apply(callId: string, event: LiveSegmentsEvent): boolean {
    if (event.callId !== callId) return false;
    this.windows.set(event.window.id, { window: event.window, segments: event.segments });
    this.base = this.base.filter((s) => !inWindow(s, event.window));
    return true;
  }

  /** Both channels merged by time. */
  list(): Segment[] {
    return [...this.base, ...[...this.windows.values()].flatMap((w) => w.segments)].sort(
      (a, b) => a.startMs - b.startMs || a.speaker.localeCompare(b.speaker),
    );
  }
}

/**
 * Whether a scrolled list is at its end (within `slackPx`): the live transcript follows the end
 * only then, so an agent who scrolled up to read stays where they are.
 */
export function atEnd(
  box: { scrollTop: number; scrollHeight: number; clientHeight: number },
  slackPx = 24,
): boolean {
  return box.scrollHeight - box.scrollTop - box.clientHeight <= slackPx;
}

/** `m:ss` of a call's duration (minutes keep counting past 59). */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
