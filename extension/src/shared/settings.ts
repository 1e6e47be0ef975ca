/**
 * Settings and tokens kept in browser.storage.local; an administrator's values in
 * browser.storage.managed (policy: docs/EXTENSION.md) win over the agent's.
 */
import { z } from 'zod/mini';
import { browser } from './browser';
import { MANAGED_KEYS, type ManagedKey } from './managed-policy';

export const Settings = z.object({
  serverUrl: z.nullable(z.url()),
  pbxUrl: z.nullable(z.url()),
});
export type Settings = z.infer<typeof Settings>;

export const SETTINGS_KEY = 'settings';
export const TOKENS_KEY = 'tokens';

const ManagedUrl = z.url();

/** The settings set by policy (valid URLs only); none where the browser has no managed storage. */
export async function loadManagedSettings(): Promise<Partial<Record<ManagedKey, string>>> {
  let raw: Record<string, unknown>;
  try {
    raw = await browser.storage.managed.get(Object.keys(MANAGED_KEYS));
  } catch {
    // No policy store (unit tests, a browser without policy support): nothing is managed.
    return {};
  }
  const out: Partial<Record<ManagedKey, string>> = {};
  for (const key of Object.keys(MANAGED_KEYS) as ManagedKey[]) {
    const parsed = ManagedUrl.safeParse(raw?.[key]);
    if (parsed.success) out[key] = parsed.data;
    else if (raw?.[key] !== undefined) console.warn(`[cwn] managed ${key} is not a URL: ignored`);
  }
  return out;
}

export async function loadSettings(): Promise<Settings> {
  const stored = (await browser.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY];
  const parsed = Settings.safeParse(stored);
  const local = parsed.success ? parsed.data : { serverUrl: null, pbxUrl: null };
  return { ...local, ...(await loadManagedSettings()) };
}

/** `https://pbx.example.com:5001/webclient/` → `https://pbx.example.com:5001` */
export function originOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Match patterns cannot carry a port, so scripts match the host and check the origin themselves. */
export function matchPatternFor(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}/*`;
}

/**
 * storage.local key: `true` turns live streaming on (the options page's switch "Stream calls
 * live"); absent or anything else, each call is uploaded whole after the hang-up. Off by default:
 * the offscreen document re-decodes the whole call at each pass (decision 0502, way A), so a
 * 10-minute call's final transcript was still not in the popup 4 minutes after the hang-up
 * (bench:call); resampling the PCM batches instead (way B) is the prerequisite for default-on.
 */
export const LIVE_ENABLED_KEY = 'cwn-live-enabled';

/** Live streaming is on only when switched on. */
export function liveEnabled(stored: unknown): boolean {
  return stored === true;
}
