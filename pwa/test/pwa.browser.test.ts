import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { TEST_PASSWORD, startTestApp, uniqueEmail, type TestApp } from '@cwn/test-support/app';
import { seedCallWithRecording } from '@cwn/test-support/transcript-fixtures';
import { launchPhone, type Phone } from '@cwn/test-support/pwa-browser';
import { DIST_DIR } from '@cwn/test-support/pwa-build';
import { serveDist, type StaticSite } from '@cwn/test-support/static-server';

jest.setTimeout(90_000);

let site: StaticSite;
let server: TestApp;
let phone: Phone;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  site = await serveDist(DIST_DIR);
  // The real server, with the PWA's origin allowed by CORS like a deployment would configure it.
  server = await startTestApp({ CORS_ORIGINS: site.url });
  phone = await launchPhone();
  context = phone.context;
  page = context.pages()[0] ?? (await context.newPage());
});

afterAll(async () => {
  await phone?.close();
  await server?.close();
  await site?.close().catch(() => undefined);
});

let seeded: { waiting: string; done: string };

async function inboxShows(awaitingId: string, recentId: string): Promise<void> {
  await page
    .getByRole('region', { name: 'Awaiting validation' })
    .locator(`a[href="/calls/${awaitingId}"]`)
    .waitFor();
  await page
    .getByRole('region', { name: 'Recent calls' })
    .locator(`a[href="/calls/${recentId}"]`)
    .waitFor();
}

/** Waits until a service worker controls the page (clientsClaim: no reload needed). */
async function waitForController(p: Page): Promise<string> {
  return p.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) =>
        navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }),
      );
    }
    return navigator.serviceWorker.controller!.scriptURL;
  });
}

describe('the PWA in Chromium at a phone viewport', () => {
  it('is installable: manifest, icons at every size (maskable too), iOS tags, a controlling service worker', async () => {
    await page.goto(site.url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    const manifestHref = await page.locator('link[rel="manifest"]').getAttribute('href');
    const manifest = (await (await fetch(new URL(manifestHref!, site.url))).json()) as {
      display: string;
      start_url: string;
      theme_color: string;
      icons: Array<{ src: string; sizes: string; purpose: string }>;
    };
    expect(manifest).toMatchObject({ display: 'standalone', theme_color: '#0b5cad' });
    expect(manifest.icons.filter((i) => i.purpose === 'maskable').map((i) => i.sizes)).toEqual([
      '192x192',
      '512x512',
    ]);
    for (const icon of manifest.icons) {
      const png = Buffer.from(await (await fetch(new URL(icon.src, site.url))).arrayBuffer());
      const { width, height, format } = await sharp(png).metadata();
      expect(`${width}x${height}`).toBe(icon.sizes);
      expect(format).toBe('png');
    }
    expect(await page.locator('link[rel="apple-touch-icon"]').count()).toBe(1);
    expect(
      await page.locator('meta[name="apple-mobile-web-app-capable"]').getAttribute('content'),
    ).toBe('yes');

    expect(await waitForController(page)).toBe(`${site.url}/sw.js`);

    // Chromium's own verdict, the one behind its install prompt.
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: Array<{ errorId: string }>;
    };
    expect(installabilityErrors).toEqual([]);
  });

  it('refuses a wrong password with the server’s message, then signs in against the real server', async () => {
    const email = uniqueEmail('pwa-manager');
    await server.services.users.create({
      email,
      password: TEST_PASSWORD,
      role: 'manager',
      displayName: 'Manon Manager',
    });

    await page.getByLabel('Server address').fill(server.url());
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/^Sign-in failed: /);

    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('inbox-title').waitFor();

    // A call finishes transcription: a refresh shows it under "awaiting validation", a ticketed one
    // under "recent". (Other test files share this database: only our calls are looked at.)
    const agent = await server.userWithRole('agent');
    const waiting = await seedCallWithRecording(server.models, agent.user.id, {
      status: 'transcribed',
    });
    const done = await seedCallWithRecording(server.models, agent.user.id, { status: 'ticketed' });
    seeded = { waiting: waiting.callId, done: done.callId };
    await page.getByRole('button', { name: 'Refresh' }).click();
    await inboxShows(waiting.callId, done.callId);

    const session = await page.evaluate(
      () =>
        JSON.parse(localStorage.getItem('cwn.session') ?? 'null') as { user: { email: string } },
    );
    expect(session.user.email).toBe(email);
    const me = await server.http
      .get('/api/auth/me')
      .set(
        'Authorization',
        `Bearer ${(session as unknown as { accessToken: string }).accessToken}`,
      );
    expect(me.status).toBe(200);
  });

  it('reloads offline from the service worker and shows the inbox saved on the device', async () => {
    await context.setOffline(true);
    await site.close(); // nothing left to answer but the service worker
    await page.reload();

    await page.getByTestId('inbox-title').waitFor();
    await page.getByTestId('offline-banner').waitFor();
    await page.getByTestId('inbox-cached').waitFor();
    // The inbox the app saved at its last load, read back from IndexedDB.
    await inboxShows(seeded.waiting, seeded.done);
  });
});
