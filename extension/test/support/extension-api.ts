/**
 * What `@wxt-dev/webextension-polyfill/browser` is in the node tests: the polyfill itself refuses
 * to load outside an extension, so `browser` reads through to whatever `globalThis.chrome` the test
 * put in place (auth.test.ts: an in-memory chrome.storage.local), when it is used.
 */
export const browser = new Proxy(
  {},
  {
    get(_target, key: string) {
      const api = (globalThis as unknown as { chrome?: Record<string, unknown> }).chrome;
      if (!api) throw new Error(`no extension API in this test (browser.${key})`);
      return api[key];
    },
  },
);
