/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import { isSkipWaiting } from './messages';

/**
 * The first install controls the open page at once (nothing older is running). A new version
 * waits: the open page may still ask for lazy chunks the new version's precache no longer has.
 * The page shows "A new version is available — Reload" and, when the manager chooses it, posts
 * SKIP_WAITING; the new worker then activates and the page reloads (src/update/).
 */
export function installLifecycle(sw: ServiceWorkerGlobalScope): void {
  clientsClaim();
  sw.addEventListener('message', (event) => {
    if (isSkipWaiting(event.data)) void sw.skipWaiting();
  });
}
