import { liveEnabled } from './settings';

describe('liveEnabled', () => {
  // On by default (decision 0502: flat passes, the 5-minute stall fixed); only the options
  // page's `false` turns it off.
  it('is on unless storage.local holds false', () => {
    expect(liveEnabled(true)).toBe(true);
    expect(liveEnabled(undefined)).toBe(true);
    expect(liveEnabled('true')).toBe(true);
    expect(liveEnabled(false)).toBe(false);
  });
});
