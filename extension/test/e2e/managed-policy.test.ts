/**
 * Managed deployment in real Chromium: a Linux policy file (from the same source as the Windows
 * script, src/shared/managed-policy.ts) presets serverUrl and pbxUrl in the extension's managed
 * storage; the agent only logs in, and a call is recorded and uploaded. The options page shows the
 * managed values read-only.
 *
 * Chromium on Linux has no per-instance policy folder, so the file goes to the machine's
 * /etc/chromium/policies/managed/ (CWN_CHROMIUM_POLICY_DIR to override). It names only this run's
 * unpacked extension id (a hash of its temporary folder): policy for an id no other browser loads
 * is inert there, so tests running in parallel are not affected. It carries no
 * ExtensionInstallForcelist for that reason (every Chromium on the machine would act on it); the
 * force-install entry is checked in managed-policy.test.ts. The file is removed afterwards.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { TEST_PASSWORD } from '@cwn/test-support/app';
import {
  openWebClient,
  startHarness,
  talk,
  waitFor,
  waitForUpload,
  type Harness,
} from '@cwn/test-support/extension-harness';
import { CHROME_WEB_STORE_UPDATE_URL, linuxPolicy } from '../../src/shared/managed-policy';

const POLICY_DIR = process.env.CWN_CHROMIUM_POLICY_DIR ?? '/etc/chromium/policies/managed';
let policyFile: string | null = null;
/** The folders this test created (innermost first), removed again when left empty. */
const createdDirs: string[] = [];
const removePolicy = () => {
  if (policyFile) rmSync(policyFile, { force: true });
  policyFile = null;
  for (const dir of createdDirs.splice(0))
    if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
};
process.on('exit', removePolicy);

let h: Harness;
let page: Page;
beforeAll(async () => {
  h = await startHarness();
}, 180_000);
afterAll(async () => {
  await h?.close();
  removePolicy();
});

describe('a managed deployment', () => {
  it('takes the server and 3CX URLs from policy: the agent only logs in, and calls are recorded', async () => {
    // Policy is read when Chromium starts: write it now that the URLs are known, then restart.
    const serverUrl = h.relay.url;
    const pbxUrl = `${h.fake.origin}/webclient/`;
    for (let dir = POLICY_DIR; !existsSync(dir); dir = dirname(dir)) createdDirs.push(dir);
    mkdirSync(POLICY_DIR, { recursive: true });
    policyFile = join(POLICY_DIR, `cwn-test-${h.extensionId}.json`);
    writeFileSync(
      policyFile,
      JSON.stringify(
        linuxPolicy(
          {
            extensionId: h.extensionId,
            updateUrl: CHROME_WEB_STORE_UPDATE_URL,
            settings: { serverUrl, pbxUrl },
          },
          { forceInstall: false },
        ),
      ),
    );
    await h.restartBrowser();
    const sw = await h.worker();
    await waitFor(
      async () =>
        JSON.stringify(await sw.evaluate(() => chrome.storage.managed.get(null))) ===
        JSON.stringify({ pbxUrl, serverUrl }),
      'the managed settings in the extension',
    );

    const options = await h.ctx.newPage();
    await options.goto(`chrome-extension://${h.extensionId}/options/options.html`);
    await waitFor(
      async () => (await options.inputValue('#server-url')) === serverUrl,
      'the managed server URL shown',
    );
    expect(await options.inputValue('#pbx-url')).toBe(pbxUrl);
    expect(await options.getAttribute('#server-url', 'readonly')).not.toBeNull();
    expect(await options.isVisible('#managed-note')).toBe(true);
    expect(await options.isVisible('#save-settings')).toBe(false);
    // The agent only logs in.
    await options.fill('#email', h.agentEmail);
    await options.fill('#password', TEST_PASSWORD);
    await options.click('#login button[type=submit]');
    await waitFor(
      async () => (await options.textContent('#login-status')) === 'Logged in.',
      'login',
    );
    await options.close();
    await waitFor(
      async () =>
        (await (await h.worker()).evaluate(() => chrome.scripting.getRegisteredContentScripts()))
          .length === 2,
      'content scripts registered for the managed 3CX origin',
    );

    page = await openWebClient(h);
    const call = await talk(h, page, '+33 1 23 45 67 89', 'Grace Hopper', 3);
    const item = await waitForUpload(
      h,
      call.callId,
      (i) => i.status === 'done' || i.status === 'failed',
      'the upload',
    );
    expect(item.status).toBe('done');
    expect(item.serverCallId).toEqual(expect.any(String));
  });
});
