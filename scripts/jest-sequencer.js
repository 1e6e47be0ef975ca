// The order in which jest hands out test files. Jest's own runs the files that failed last time
// first, then the longest by the times it cached, and orders files it has no time for by size. A
// CI runner starts without that cache, so by size alone the slowest suites (a browser, a call
// played in real time) could start last and leave one worker running alone at the end. Here a
// file without a cached time is ranked by the time its kind of suite takes on a 2-core runner,
// so that the slow ones start first and the workers finish together.
const { default: Sequencer } = require('@jest/test-sequencer');

/** Seconds a suite of each kind takes (measured on 2 cores); the first matching pattern wins. */
const KNOWN = [
  [/extension\/test\/e2e\/live-call\.test\.ts$/, 145],
  [/\/e2e\/test\//, 90],
  [/extension\/test\/e2e\//, 45],
  [/extension\/test\/package\.test\.ts$/, 30],
  [/nuxt-dashboard\/test\/.*\.test\.ts$/, 25],
  [/pwa\/test\/.*\.browser\.test\.ts$/, 25],
  [/server\/test\/live\//, 25],
  [/server\/test\//, 8],
];

class SlowFirstSequencer extends Sequencer {
  estimate(test) {
    if (test.duration != null) return test.duration / 1000;
    const path = test.path.split('\\').join('/');
    for (const [pattern, seconds] of KNOWN) if (pattern.test(path)) return seconds;
    // Unit specs: small and quick; a bigger file, a little longer.
    return (test.context.hasteFS.getSize(test.path) ?? 0) / 10_000;
  }

  sort(tests) {
    for (const test of tests) test.duration = this.time(test);
    const rank = new Map(tests.map((t) => [t, this.estimate(t)]));
    return [...tests].sort((a, b) => {
      const failed = Number(this.hasFailed(b)) - Number(this.hasFailed(a));
      return failed !== 0 ? failed : rank.get(b) - rank.get(a);
    });
  }
}

module.exports = SlowFirstSequencer;
