/**
 * WXT entrypoint of the MAIN-world hook (built as `content-scripts/hook.js`, a stable name): not
 * in the manifest; the service worker registers it at run time for the 3CX origin the agent
 * configures (background/registration.ts), at document_start.
 */
import { defineContentScript } from 'wxt/utils/define-content-script';
import { installHook } from './hook';
// Only so that tsc can name the default export's type in the declaration it writes (TS2742).
import type { ContentScriptDefinition as _ContentScriptDefinition } from 'wxt';

export default defineContentScript({
  registration: 'runtime',
  world: 'MAIN',
  runAt: 'document_start',
  main: () => installHook(),
});
