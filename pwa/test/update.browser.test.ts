import type { Page } from 'playwright-core';
import { launchPhone, type Phone } from '@cwn/test-support/pwa-browser';
import { DIST_DIR } from '@cwn/test-support/pwa-build';
import { serveDist, type StaticSite } from '@cwn/test-support/static-server';

jest.setTimeout(90_000);

/**
 * A new version of the app while it is open: the built app is served, then the host starts
 * serving different sw.js bytes (a new version, as a deployment would). The new worker must wait
 * (the page may still need the old version's lazy chunks) until the manager chooses "Reload".
 */
let site: StaticSite;
let phone: Phone;
let page: Page;
/** Each version answers 'version?' with its name, so the test can tell which worker controls the page. */
const answering = (version: string) =>
  `\n;self.addEventListener('message', (e) => { if (e.data === 'version?') e.source.postMessage('${version}'); });\n`;
/** What the host appends to sw.js: the first version, then a second one. */
let swSuffix = answering('v1');
const V2 = answering('v2');

beforeAll(async () => {
  site = await serveDist(DIST_DIR, { swSuffix: () => swSuffix });
  phone = await launchPhone();
  page = phone.context.pages()[0] ?? (await phone.context.newPage());
});

afterAll(async () => {
  await phone?.close();
  await site?.close().catch(() => undefined);
});

/** Asks the controlling worker its version ('none' without one, 'no answer' after 2 s). */
function controllerVersion(p: Page): Promise<string> {
  return p.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const controller = navigator.serviceWorker.controller;
        if (!controller) return resolve('none');
        navigator.serviceWorker.addEventListener('message', (e) => resolve(String(e.data)), {
          once: true,
        });
        controller.postMessage('version?');
        setTimeout(() => resolve('no answer'), 2_000);
      }),
  );
}

describe('a new version of the app', () => {
  it('the first install controls the page at once, without a reload and without the update banner', async () => {
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(site.url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) =>
          navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }),
        );
      }
    });
    expect(await controllerVersion(page)).toBe('v1');
    expect(loads).toBe(1);
    expect(await page.getByTestId('update-banner').count()).toBe(0);
  });

  it('waits for "Reload", then the new worker controls the page, which reloaded once', async () => {
    await page.evaluate(() => ((window as unknown as { oldPage: boolean }).oldPage = true));
    swSuffix = V2;
    // What the app does on focus, on coming back to the front and every half hour.
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());

    const banner = page.getByTestId('update-banner');
    await banner.waitFor();
    expect(await banner.getAttribute('role')).toBe('status');
    expect(await banner.textContent()).toContain('A new version is available.');
    // The new worker waits: the old one still controls the page, which was not reloaded.
    expect(
      await page.evaluate(
        async () => (await navigator.serviceWorker.getRegistration())!.waiting !== null,
      ),
    ).toBe(true);
    expect(await controllerVersion(page)).toBe('v1');
    expect(await page.evaluate(() => (window as unknown as { oldPage?: boolean }).oldPage)).toBe(
      true,
    );

    // In French too.
    await page.getByRole('combobox', { name: 'Language' }).selectOption('fr');
    await banner.filter({ hasText: 'Une nouvelle version est disponible.' }).waitFor();

    let loads = 0;
    page.on('load', () => loads++);
    const reloaded = page.waitForEvent('load');
    await page.getByRole('button', { name: 'Recharger' }).click();
    await reloaded;
    await page
      .getByRole('heading', { name: 'Connexion' })
      .or(page.getByRole('heading', { name: 'Sign in' }))
      .waitFor();
    expect(
      await page.evaluate(() => (window as unknown as { oldPage?: boolean }).oldPage),
    ).toBeUndefined();
    expect(await controllerVersion(page)).toBe('v2');
    expect(
      await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.waiting),
    ).toBeNull();
    // The reloaded page is current: no banner, and it did not reload again.
    expect(await page.getByTestId('update-banner').count()).toBe(0);
    expect(loads).toBe(1);
  });
});
