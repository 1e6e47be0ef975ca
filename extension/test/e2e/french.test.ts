/**
 * The extension in French: Chromium started in French (`--lang=fr`), the options page and the
 * popup show their strings from `_locales/fr` (static ones and those with a substitution), and an
 * agent can configure, log in and see the popup in French.
 */
import { TEST_PASSWORD } from '@cwn/test-support/app';
import { startHarness, waitFor, type Harness } from '@cwn/test-support/extension-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ lang: 'fr' });
}, 180_000);
afterAll(async () => {
  await h?.close();
});

const text = async (page: import('playwright-core').Page, selector: string) =>
  (await page.textContent(selector))?.trim();

describe('the extension in French', () => {
  it('shows the options and the popup in French, messages with values included', async () => {
    const options = await h.ctx.newPage();
    await options.goto(`chrome-extension://${h.extensionId}/options/options.html`);
    expect(await options.getAttribute('html', 'lang')).toBe('fr');
    expect(await options.title()).toBe('Enregistreur d’appels 3CX : options');
    expect(await text(options, '#settings h2')).toBe('Connexions');
    expect(await text(options, '#settings button[type=submit]')).toBe('Enregistrer');
    expect(await text(options, '#logout')).toBe('Se déconnecter');
    // The input is still inside its label (only the label's text was translated).
    expect(await options.locator('label:has(#server-url)').textContent()).toContain(
      'URL du serveur',
    );
    await waitFor(async () => (await text(options, '#who')) === 'Non connecté.', 'who, in French');

    await options.fill('#server-url', h.relay.url);
    await options.fill('#pbx-url', `${h.fake.origin}/webclient/`);
    await options.click('#settings button[type=submit]');
    await waitFor(
      async () => !!(await text(options, '#settings-status')),
      'the settings saved',
      10_000,
    );
    expect(await text(options, '#settings-status')).toBe(
      'Enregistré. 0 onglet(s) 3CX ouvert(s) rechargé(s).',
    );
    await options.fill('#email', h.agentEmail);
    await options.fill('#password', TEST_PASSWORD);
    await options.click('#login button[type=submit]');
    await waitFor(async () => (await text(options, '#login-status')) === 'Connecté.', 'login');
    await waitFor(
      async () => (await text(options, '#who')) === `Connecté en tant que ${h.agentEmail}.`,
      'who, logged in',
    );
    await options.close();

    const popup = await h.ctx.newPage();
    await popup.goto(`chrome-extension://${h.extensionId}/popup/popup.html`);
    expect(await popup.getAttribute('html', 'lang')).toBe('fr');
    expect(await text(popup, '#calls-h')).toBe('Appels en cours');
    expect(await text(popup, '#recent-h')).toBe('Appels récents');
    await waitFor(
      async () => (await text(popup, '#login-state')) === `Connecté en tant que ${h.agentEmail}`,
      'popup login state, in French',
    );
    await waitFor(async () => (await text(popup, '#calls li')) === 'Aucun appel.', 'no call');
    await waitFor(async () => (await text(popup, '#recent-state')) === 'En direct.', 'live');
    await popup.close();
  });
});
