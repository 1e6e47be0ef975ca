import { liveEnabled } from './settings';

describe('liveEnabled', () => {
  // Off by default (decision 0502: way A's whole-call re-decode makes long calls' final
  // transcript later than the whole-call upload's); only the options page's `true` turns it on.
  it('is on only when storage.local holds true', () => {
    expect(liveEnabled(true)).toBe(true);
    expect(liveEnabled(undefined)).toBe(false);
    expect(liveEnabled(false)).toBe(false);
    expect(liveEnabled('true')).toBe(false);
  });
});
