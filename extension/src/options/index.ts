/** Options: server and 3CX URLs (asking for those hosts at run time) and the agent's login. */
import { askBackground } from '../shared/ui-client';
import { matchPatternFor } from '../shared/settings';
import type { StatusSnapshot } from '../background/service-worker';
import { browser } from '../shared/browser';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function refresh(): Promise<void> {
  const status = await askBackground<StatusSnapshot>({ type: 'status' });
  $<HTMLInputElement>('server-url').value ||= status.settings.serverUrl ?? '';
  $<HTMLInputElement>('pbx-url').value ||= status.settings.pbxUrl ?? '';
  $('who').textContent = status.user ? `Logged in as ${status.user.email}.` : 'Not logged in.';
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
        out.textContent = 'Access to those sites was refused: calls cannot be recorded.';
        return;
      }
      const r = await askBackground<{ registered: boolean; reloadedTabs: number }>({
        type: 'save-settings',
        serverUrl,
        pbxUrl,
      });
      out.textContent = r.registered
        ? `Saved. ${r.reloadedTabs} open 3CX tab(s) reloaded.`
        : 'Saved, but the 3CX page cannot be watched yet.';
    })
    .catch((err: unknown) => (out.textContent = `Not saved: ${(err as Error).message}`));
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
      out.textContent = 'Logged in.';
      $<HTMLInputElement>('password').value = '';
      return refresh();
    })
    .catch((err: unknown) => (out.textContent = (err as Error).message));
});

$('logout').addEventListener('click', () => {
  void askBackground({ type: 'logout' }).then(refresh);
});

void refresh();
