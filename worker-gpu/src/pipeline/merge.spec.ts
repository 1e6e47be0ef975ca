import type { Segment } from '@cwn/protocol';
import { mergeSegments, speakersFor } from './merge';

describe('mergeSegments', () => {
  it('orders both channels by start time, agent first on ties', () => {
    const agent: Segment[] = [
      { speaker: 'agent', startMs: 0, endMs: 1000, text: 'a1' },
      { speaker: 'agent', startMs: 3000, endMs: 4000, text: 'a2' },
    ];
    const caller: Segment[] = [
      { speaker: 'caller', startMs: 1200, endMs: 2500, text: 'c1' },
      { speaker: 'caller', startMs: 3000, endMs: 3500, text: 'c2' },
      { speaker: 'caller', startMs: 5000, endMs: 6000, text: 'c3' },
    ];
    expect(mergeSegments([caller, agent]).map((s) => s.text)).toEqual([
      'a1',
      'c1',
      'a2',
      'c2',
      'c3',
    ]);
  });

  it('labels stereo left/right as agent/caller and mono as unknown', () => {
    expect(speakersFor(2)).toEqual(['agent', 'caller']);
    expect(speakersFor(1)).toEqual(['unknown']);
  });
});
