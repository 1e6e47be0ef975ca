/// <reference lib="webworker" />
import { cleanupOutdatedCaches, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';

/** The app shell (HTML, JS, CSS, icons, manifest), revisioned by the build, served cache-first. */
export function precacheAppShell(entries: Array<PrecacheEntry | string>): void {
  cleanupOutdatedCaches();
  precacheAndRoute(entries);
}
