/**
 * WXT entrypoint of the isolated-world bridge (built as `content-scripts/bridge.js`): registered at
 * run time beside the hook (background/registration.ts).
 */
import { defineContentScript } from 'wxt/utils/define-content-script';
import { runBridge } from './bridge';
// Only so that tsc can name the default export's type in the declaration it writes (TS2742).
import type { ContentScriptDefinition as _ContentScriptDefinition } from 'wxt';

export default defineContentScript({
  registration: 'runtime',
  runAt: 'document_start',
  main: () => void runBridge(),
});
