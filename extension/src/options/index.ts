/**
 * Options: server and 3CX URLs (asking for those hosts at run time), the agent's login, and
 * whether calls are streamed live (off unless switched on here).
 */
import { askBackground } from '../shared/ui-client';
import { LIVE_ENABLED_KEY, liveEnabled, matchPatternFor } from '../shared/settings';
import type { StatusSnapshot } from '../background/service-worker';
import { browser } from '../shared/browser';
import { localizePage, t } from '../shared/i18n';

localizePage();

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function refresh(): Promise<void> {
  const status = await askBackground<StatusSnapshot>({ type: 'status' });
  $<HTMLInputElement>('server-url').value ||= status.settings.serverUrl ?? '';
  $<HTMLInputElement>('pbx-url').value ||= status.settings.pbxUrl ?? '';
  // Set by policy: shown, not editable (the policy would win anyway).
  for (const [key, id] of [
    ['serverUrl', 'server-url'],
    ['pbxUrl', 'pbx-url'],
  ] as const) {
    const managed = status.managed.includes(key);
    const input = $<HTMLInputElement>(id);
    input.readOnly = managed;
    if (managed) input.value = status.settings[key] ?? '';
  }
  const allManaged = status.managed.length === 2;
  $('managed-note').hidden = status.managed.length === 0;
  $<HTMLButtonElement>('save-settings').hidden = allManaged;
  $('who').textContent = status.user ? t('loggedInAsDot', status.user.email) : t('notLoggedIn');
  $<HTMLButtonElement>('logout').disabled = !status.user;
}

$('settings').addEventListener('submit', (event) => {
  event.preventDefault();
  const serverUrl = $<HTMLInputElement>('server-url').value.trim();
  const pbxUrl = $<HTMLInputElement>('pbx-url').value.trim();
  const out = $('settings-status');
  // The permission prompt needs this click: ask before anything else is awaited.
  browser.permissions
    .request({ origins: [matchPatternFor(serverUrl), matchPatternFor(pbxUrl)] })
    .then(async (granted) => {
      if (!granted) {
        out.textContent = t('accessRefused');
        return;
      }
      const r = await askBackground<{ registered: boolean; reloadedTabs: number }>({
        type: 'save-settings',
        serverUrl,
        pbxUrl,
      });
      out.textContent = r.registered ? t('savedReloaded', r.reloadedTabs) : t('savedNotWatched');
    })
    .catch((err: unknown) => (out.textContent = t('notSaved', (err as Error).message)));
});

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const out = $('login-status');
  askBackground({
    type: 'login',
    email: $<HTMLInputElement>('email').value,
    password: $<HTMLInputElement>('password').value,
  })
    .then(() => {
      out.textContent = t('loggedIn');
      $<HTMLInputElement>('password').value = '';
      return refresh();
    })
    .catch((err: unknown) => (out.textContent = (err as Error).message));
});

$('logout').addEventListener('click', () => {
  void askBackground({ type: 'logout' }).then(refresh);
});

const liveBox = $<HTMLInputElement>('live-enabled');
void browser.storage.local
  .get(LIVE_ENABLED_KEY)
  .then((stored) => (liveBox.checked = liveEnabled(stored[LIVE_ENABLED_KEY])));
liveBox.addEventListener('change', () => {
  void browser.storage.local.set({ [LIVE_ENABLED_KEY]: liveBox.checked }).then(() => {
    $('live-status').textContent = liveBox.checked
      ? t('liveStreamingSaved')
      : t('liveStreamingOff');
  });
});

void refresh();
