import { AGENT_SIGNAL, CALLER_SIGNAL, lagDifferenceMs, matchSeconds, synthesize } from './fidelity';

/** The fidelity check itself must see a gap, doubled audio and swapped channels. */
describe('matchSeconds', () => {
  const agent = synthesize(AGENT_SIGNAL, 16000);
  const caller = synthesize(CALLER_SIGNAL, 16000);
  const recording = (edit: (x: number[]) => number[]): Float64Array => {
    // Starts 3.21 s into the source, after 0.5 s of silence, 10 s long.
    const x = [...new Array<number>(8000).fill(0), ...agent.subarray(51360, 51360 + 160000)];
    return Float64Array.from(edit(x));
  };

  it('finds one constant lag for an intact recording', () => {
    const m = matchSeconds(
      recording((x) => x),
      agent,
    );
    expect(m.length).toBeGreaterThanOrEqual(9);
    for (const s of m) {
      // The first second is half silence.
      expect(s.correlation).toBeGreaterThan(s.at === 0 ? 0.8 : 0.95);
      expect(Math.abs(lagDifferenceMs(m[0]!, s))).toBeLessThan(1);
    }
  });

  it('sees 30 ms doubled and 30 ms lost', () => {
    const doubled = matchSeconds(
      recording((x) => [...x.slice(0, 80000), ...x.slice(79520, 80000), ...x.slice(80000)]),
      agent,
    );
    const lost = matchSeconds(
      recording((x) => [...x.slice(0, 80000), ...x.slice(80480)]),
      agent,
    );
    expect(Math.abs(lagDifferenceMs(doubled[0]!, doubled[doubled.length - 1]!))).toBeCloseTo(30, 0);
    expect(Math.abs(lagDifferenceMs(lost[0]!, lost[lost.length - 1]!))).toBeCloseTo(30, 0);
  });

  it('does not match the other side', () => {
    const m = matchSeconds(
      recording((x) => x),
      caller,
    );
    expect(Math.max(...m.map((s) => s.correlation))).toBeLessThan(0.5);
  });
});
