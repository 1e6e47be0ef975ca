import type { LiveSegmentsEvent, Segment } from '@cwn/protocol';
import { LiveSegments, atEnd, clock } from './live-view';

const CALL = '00000000-0000-4000-8000-000000000001';
const LIVE = '00000000-0000-4000-8000-000000000002';

function seg(speaker: Segment['speaker'], startMs: number, text: string): Segment {
  return { speaker, startMs, endMs: startMs + 900, text };
}

function event(
  id: string,
  channel: 'agent' | 'caller',
  startMs: number,
  endMs: number,
  segments: Segment[],
  callId = CALL,
): LiveSegmentsEvent {
  return {
    callId,
    liveRecordingId: LIVE,
    window: {
      id,
      channel,
      startSample: startMs * 16,
      endSample: endMs * 16,
      state: 'done',
    },
    segments,
  };
}

describe('LiveSegments', () => {
  it('merges both channels by time as windows arrive', () => {
    const live = new LiveSegments();
    live.apply(CALL, event('w1', 'caller', 2000, 4000, [seg('caller', 2100, 'Hello')]));
    live.apply(CALL, event('w2', 'agent', 0, 1900, [seg('agent', 200, 'Help desk')]));
    expect(live.list().map((s) => s.text)).toEqual(['Help desk', 'Hello']);
  });

  it("replaces a window's earlier segments when it is transcribed again", () => {
    const live = new LiveSegments();
    live.apply(CALL, event('w1', 'agent', 0, 3000, [seg('agent', 100, 'first try')]));
    live.apply(CALL, event('w1', 'agent', 0, 3000, [seg('agent', 100, 'second try')]));
    expect(live.list().map((s) => s.text)).toEqual(['second try']);
  });

  it('drops the first read segments a window event covers, keeps the others', () => {
    const live = new LiveSegments();
    live.setInitial([
      seg('agent', 100, 'old'),
      seg('caller', 150, 'caller kept'),
      seg('agent', 5000, 'later'),
    ]);
    live.apply(CALL, event('w1', 'agent', 0, 3000, [seg('agent', 100, 'new')]));
    expect(live.list().map((s) => s.text)).toEqual(['new', 'caller kept', 'later']);
  });

  it('keeps an event that came before the first read answered', () => {
    const live = new LiveSegments();
    live.apply(CALL, event('w1', 'agent', 0, 3000, [seg('agent', 100, 'by event')]));
    live.setInitial([seg('agent', 100, 'by read'), seg('caller', 4000, 'read only')]);
    expect(live.list().map((s) => s.text)).toEqual(['by event', 'read only']);
  });

  it("ignores another call's events", () => {
    const live = new LiveSegments();
    const other = '00000000-0000-4000-8000-000000000009';
    expect(live.apply(CALL, event('w1', 'agent', 0, 3000, [seg('agent', 1, 'x')], other))).toBe(
      false,
    );
    expect(live.list()).toEqual([]);
  });
});

describe('atEnd', () => {
  it('is true at the bottom (within the slack) and false once scrolled up', () => {
    expect(atEnd({ scrollTop: 300, scrollHeight: 500, clientHeight: 200 })).toBe(true);
    expect(atEnd({ scrollTop: 280, scrollHeight: 500, clientHeight: 200 })).toBe(true);
    expect(atEnd({ scrollTop: 100, scrollHeight: 500, clientHeight: 200 })).toBe(false);
    expect(atEnd({ scrollTop: 0, scrollHeight: 100, clientHeight: 200 })).toBe(true);
  });
});

describe('clock', () => {
  it('reads m:ss, minutes past 59', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(65_400)).toBe('1:05');
    expect(clock(3_725_000)).toBe('62:05');
    expect(clock(-5)).toBe('0:00');
  });
});
