/**
 * Registers the content scripts for the configured 3CX origin at run time (match patterns cannot
 * express a port, so they match the host and the scripts check the origin), and reloads the 3CX
 * tabs already open, because registered scripts only reach documents loaded afterwards.
 */
import { loadSettings, matchPatternFor, originOf } from '../shared/settings';
import { browser, type Tabs } from '../shared/browser';

export const HOOK_SCRIPT_ID = 'cwn-main-world-hook';
export const BRIDGE_SCRIPT_ID = 'cwn-isolated-bridge';
/** WXT's stable output names of the two content scripts (wxt.config.ts CONTENT_SCRIPTS). */
export const HOOK_FILE = 'content-scripts/hook.js';
export const BRIDGE_FILE = 'content-scripts/bridge.js';

let registering: Promise<unknown> = Promise.resolve();

/** (Re-)registers both scripts for the current settings; calls run one after the other. */
export function registerContentScripts(): Promise<boolean> {
  const run = registering.then(register);
  registering = run.catch(() => undefined);
  return run;
}

async function register(): Promise<boolean> {
  const { pbxUrl } = await loadSettings();
  const existing = await chrome.scripting.getRegisteredContentScripts({
    ids: [HOOK_SCRIPT_ID, BRIDGE_SCRIPT_ID],
  });
  if (existing.length)
    await chrome.scripting.unregisterContentScripts({ ids: existing.map((s) => s.id) });
  if (!pbxUrl) return false;
  const pattern = matchPatternFor(pbxUrl);
  if (!(await browser.permissions.contains({ origins: [pattern] }))) return false;
  // chrome.*, not the polyfill: its types have no `world` for registerContentScripts (MAIN is
  // Chromium-only).
  await chrome.scripting.registerContentScripts([
    {
      id: HOOK_SCRIPT_ID,
      js: [HOOK_FILE],
      matches: [pattern],
      runAt: 'document_start',
      world: 'MAIN',
      allFrames: false,
      persistAcrossSessions: true,
    },
    {
      id: BRIDGE_SCRIPT_ID,
      js: [BRIDGE_FILE],
      matches: [pattern],
      runAt: 'document_start',
      world: 'ISOLATED',
      allFrames: false,
      persistAcrossSessions: true,
    },
  ]);
  return true;
}

export async function pbxTabs(): Promise<Tabs.Tab[]> {
  const { pbxUrl } = await loadSettings();
  const origin = originOf(pbxUrl);
  if (!origin || !pbxUrl) return [];
  const tabs = await browser.tabs.query({ url: matchPatternFor(pbxUrl) });
  return tabs.filter((t) => t.url && originOf(t.url) === origin);
}

export async function reloadPbxTabs(): Promise<number> {
  const tabs = await pbxTabs();
  for (const tab of tabs) if (tab.id !== undefined) await browser.tabs.reload(tab.id);
  return tabs.length;
}
