import { msOf, place, speak } from '@cwn/test-support/worker-speech';
import { chunkRegions, detectSpeech, overlapMs } from './vad';

describe('energy VAD on real speech', () => {
  it('finds the spoken parts and skips the silence around them', () => {
    const a = speak('Good morning, this is the help desk.');
    const b = speak('How can I help you today?');
    const bAt = 4000 + msOf(a);
    const pcm = place(bAt + msOf(b) + 3000, [
      { atMs: 2000, pcm: a },
      { atMs: bAt, pcm: b },
    ]);
    const regions = detectSpeech(pcm, 16000);
    expect(regions.length).toBeGreaterThanOrEqual(2);
    const speechMs = msOf(a) + msOf(b);
    // almost all speech is covered…
    expect(overlapMs(regions, 2000, 2000 + msOf(a)) / msOf(a)).toBeGreaterThan(0.9);
    expect(overlapMs(regions, bAt, bAt + msOf(b)) / msOf(b)).toBeGreaterThan(0.9);
    // …and the long silences are not
    expect(overlapMs(regions, 0, 1700)).toBe(0);
    expect(overlapMs(regions, 2000 + msOf(a) + 600, bAt - 600)).toBe(0);
    const total = regions.reduce((s, r) => s + r.endMs - r.startMs, 0);
    expect(total).toBeLessThan(speechMs + 1500);
  });

  it('finds nothing in silence or low noise', () => {
    expect(detectSpeech(new Float32Array(16000 * 3), 16000)).toEqual([]);
    expect(detectSpeech(place(3000, [], 0.002), 16000)).toEqual([]);
  });
});

describe('chunkRegions', () => {
  it('groups close regions, splits long ones, keeps long silences out', () => {
    const chunks = chunkRegions(
      [
        { startMs: 0, endMs: 1000 },
        { startMs: 1500, endMs: 3000 },
        { startMs: 10000, endMs: 75000 },
      ],
      28000,
    );
    expect(chunks[0]).toEqual({ startMs: 0, endMs: 3000 });
    expect(chunks.slice(1).every((c) => c.endMs - c.startMs <= 28000)).toBe(true);
    expect(chunks[1]!.startMs).toBe(10000);
    expect(chunks[chunks.length - 1]!.endMs).toBe(75000);
  });
});
