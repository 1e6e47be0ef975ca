import type { LiveSegmentsEvent, LiveTranscript } from '@cwn/protocol';
import { applyWindow, emptyLive } from './live-segments';

const ids = {
  call: '11111111-1111-4111-8111-111111111111',
  live: '22222222-2222-4222-8222-222222222222',
  w1: '33333333-3333-4333-8333-333333333333',
  w2: '44444444-4444-4444-8444-444444444444',
};

const event = (
  id: string,
  channel: 'agent' | 'caller',
  startMs: number,
  endMs: number,
  texts: string[],
): LiveSegmentsEvent => ({
  callId: ids.call,
  liveRecordingId: ids.live,
  window: { id, channel, startSample: startMs * 16, endSample: endMs * 16, state: 'done' },
  segments: texts.map((text, i) => ({
    speaker: channel,
    startMs: startMs + i * 1000,
    endMs: startMs + i * 1000 + 900,
    text,
  })),
});

describe('following a live transcript', () => {
  it('merges windows of both channels by time', () => {
    let live: LiveTranscript = emptyLive(event(ids.w1, 'agent', 0, 3000, []));
    live = applyWindow(live, event(ids.w1, 'agent', 0, 3000, ['hello', 'how can I help']));
    live = applyWindow(live, event(ids.w2, 'caller', 1500, 4000, ['my printer']));
    expect(live.segments.map((s) => `${s.speaker}:${s.text}`)).toEqual([
      'agent:hello',
      'agent:how can I help',
      'caller:my printer',
    ]);
  });

  it('a window sent again replaces its segments instead of adding them', () => {
    let live = emptyLive(event(ids.w1, 'agent', 0, 3000, []));
    live = applyWindow(live, event(ids.w1, 'agent', 0, 3000, ['first try']));
    live = applyWindow(live, event(ids.w1, 'agent', 0, 3000, ['second try']));
    expect(live.segments.map((s) => s.text)).toEqual(['second try']);
  });

  it('a window already in the snapshot is not shown twice; the other channel is kept', () => {
    const snapshot: LiveTranscript = {
      ...emptyLive(event(ids.w1, 'agent', 0, 3000, [])),
      segments: [
        { speaker: 'agent', startMs: 0, endMs: 900, text: 'hello' },
        { speaker: 'caller', startMs: 500, endMs: 1400, text: 'hi' },
      ],
    };
    const live = applyWindow(snapshot, event(ids.w1, 'agent', 0, 3000, ['hello']));
    expect(live.segments.map((s) => `${s.speaker}:${s.text}`)).toEqual([
      'agent:hello',
      'caller:hi',
    ]);
  });
});
