import { FIRST_LOAD_JS_BUDGET_BYTES, firstLoadJsGzip, measureAssets } from '../bench/first-load';
import { DIST_DIR } from '@cwn/test-support/pwa-build';

describe('first-load budget', () => {
  it('the JavaScript a phone downloads to open the app is at most 200 KB gzip', () => {
    const assets = measureAssets(DIST_DIR);
    expect(assets.some((a) => a.firstLoad && a.kind === 'js')).toBe(true);
    // The call view (audio, editing, exports) is loaded on demand, not with the inbox.
    expect(assets.some((a) => !a.firstLoad && a.file.includes('CallView'))).toBe(true);
    expect(firstLoadJsGzip(DIST_DIR)).toBeLessThanOrEqual(FIRST_LOAD_JS_BUDGET_BYTES);
  });
});
