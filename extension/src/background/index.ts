/** WXT's background entrypoint: the service worker (service-worker.ts) registers its listeners. */
import { defineBackground } from 'wxt/utils/define-background';
import { startServiceWorker } from './service-worker';
// Only so that tsc can name the default export's type in the declaration it writes (TS2742).
import type { BackgroundDefinition as _BackgroundDefinition } from 'wxt';

export default defineBackground(() => startServiceWorker());
