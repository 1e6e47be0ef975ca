import type { Segment, Speaker } from '@cwn/protocol';

const SPEAKER_ORDER: Record<Speaker, number> = { agent: 0, caller: 1, unknown: 2 };

/** One transcript from per-channel segments: by start time, then speaker (agent first), then end. */
export function mergeSegments(perChannel: Segment[][]): Segment[] {
  return perChannel
    .flat()
    .slice()
    .sort(
      (a, b) =>
        a.startMs - b.startMs ||
        SPEAKER_ORDER[a.speaker] - SPEAKER_ORDER[b.speaker] ||
        a.endMs - b.endMs,
    );
}

/** Left = agent, right = caller; mono gives 'unknown'. */
export function speakersFor(channelCount: number): Speaker[] {
  return channelCount === 2 ? ['agent', 'caller'] : ['unknown'];
}
