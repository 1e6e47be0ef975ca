/// <reference lib="webworker" />
import type { PrecacheEntry } from 'workbox-precaching';

declare global {
  interface ServiceWorkerGlobalScope {
    /** Replaced by vite-plugin-pwa (injectManifest) with the list of files of the build. */
    __WB_MANIFEST: Array<PrecacheEntry | string>;
  }
}
export {};
