/**
 * The extension API: webextension-polyfill's `browser` (WXT's `@wxt-dev/webextension-polyfill`
 * module points `wxt/browser` at the same object). What the polyfill has no API or types for is
 * reached through `chrome.*` where it is used: `offscreen`, `scripting.registerContentScripts` with
 * `world: 'MAIN'`, `runtime.getContexts`, `tabCapture.getMediaStreamId` (decision 0501).
 */
export { browser } from '@wxt-dev/webextension-polyfill/browser';
export type { Runtime, Tabs, Storage } from 'webextension-polyfill';
