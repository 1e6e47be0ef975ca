/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';

/** A new version takes over at once, and the first install controls the open page without a reload. */
export function installLifecycle(sw: ServiceWorkerGlobalScope): void {
  void sw.skipWaiting();
  clientsClaim();
}
