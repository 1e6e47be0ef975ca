/** Settings and tokens kept in browser.storage.local. */
import { z } from 'zod/mini';
import { browser } from './browser';

export const Settings = z.object({
  serverUrl: z.nullable(z.url()),
  pbxUrl: z.nullable(z.url()),
});
export type Settings = z.infer<typeof Settings>;

export const SETTINGS_KEY = 'settings';
export const TOKENS_KEY = 'tokens';

export async function loadSettings(): Promise<Settings> {
  const stored = (await browser.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY];
  const parsed = Settings.safeParse(stored);
  return parsed.success ? parsed.data : { serverUrl: null, pbxUrl: null };
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
