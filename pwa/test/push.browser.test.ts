import { createECDH } from 'node:crypto';
import { PushPayload, type TokenPair } from '@cwn/protocol';
import type { CDPSession, Page } from 'playwright-core';
import { TEST_PASSWORD, startTestApp, uniqueEmail, type TestApp } from '@cwn/test-support/app';
import { seedCallWithRecording } from '@cwn/test-support/transcript-fixtures';
import { launchPhone, type Phone } from '@cwn/test-support/pwa-browser';
import { DIST_DIR } from '@cwn/test-support/pwa-build';
import { serveDist, type StaticSite } from '@cwn/test-support/static-server';

jest.setTimeout(90_000);

/**
 * "Transcript ready" notifications in Chromium at a phone viewport: the service worker's push
 * handler gets a real push event (Chrome DevTools Protocol), and the switch copes with a browser
 * whose push service cannot be reached (headless Chromium here has none).
 */
let site: StaticSite;
let server: TestApp;
let phone: Phone;
let page: Page;
let cdp: CDPSession;
let agent: TokenPair;

beforeAll(async () => {
  site = await serveDist(DIST_DIR);
  const vapid = createECDH('prime256v1');
  vapid.generateKeys();
  server = await startTestApp({
    CORS_ORIGINS: site.url,
    REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-pwa-push`,
    VAPID_PUBLIC_KEY: vapid.getPublicKey().toString('base64url'),
    VAPID_PRIVATE_KEY: vapid.getPrivateKey().toString('base64url'),
    VAPID_SUBJECT: 'mailto:ops@helpdesk.example',
  });
  agent = await server.userWithRole('agent');
  phone = await launchPhone();
  await phone.context.grantPermissions(['notifications'], { origin: site.url });
  page = phone.context.pages()[0] ?? (await phone.context.newPage());
  cdp = await phone.context.newCDPSession(page);
});

afterAll(async () => {
  await phone?.close();
  await server?.close();
  await site?.close().catch(() => undefined);
});

/** Signs a new manager in on the phone; returns the manager's user id. */
async function signIn(): Promise<string> {
  const email = uniqueEmail('pwa-push-manager');
  const manager = await server.services.users.create({
    email,
    password: TEST_PASSWORD,
    role: 'manager',
    displayName: 'Manon Manager',
  });
  await page.goto(site.url);
  await page.getByLabel('Server address').fill(server.url());
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('inbox-title').waitFor();
  return manager.id;
}

/** The service worker's registration id, as DevTools knows it (needed to deliver a push). */
async function registrationId(): Promise<string> {
  const found = new Promise<string>((resolve) => {
    cdp.on(
      'ServiceWorker.workerRegistrationUpdated',
      ({
        registrations,
      }: {
        registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }>;
      }) => {
        const reg = registrations.find((r) => r.scopeURL === `${site.url}/` && !r.isDeleted);
        if (reg) resolve(reg.registrationId);
      },
    );
  });
  await cdp.send('ServiceWorker.enable');
  return found;
}

type Shown = { title: string; body: string; tag: string; data: { url: string; callId: string } };
const notifications = () =>
  page.evaluate(async () =>
    (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      data: n.data as unknown,
    })),
  ) as Promise<Shown[]>;

describe('Web Push in the PWA', () => {
  // Headless Chromium has no push service: pushManager.subscribe() never settles, so this also
  // proves the app's own time limit on it.
  it('shows the switch; when this browser cannot subscribe it says so calmly and the inbox keeps working', async () => {
    const managerId = await signIn();
    await page.evaluate(() => navigator.serviceWorker.ready);
    const toggle = page.getByRole('switch', { name: 'Notify me when a transcript is ready' });
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(false);

    await toggle.click();
    await page.getByTestId('push-unavailable').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('push-unavailable').textContent()).toBe(
      'Notifications are unavailable on this device.',
    );
    expect(await toggle.isChecked()).toBe(false);
    expect(await page.getByRole('alert').count()).toBe(0);

    // Nothing else broke: a new call shows up on refresh, and the server holds no subscription of
    // this manager (in a whole run the database is shared with the server's push tests).
    const call = await seedCallWithRecording(server.models, agent.user.id, {
      status: 'transcribed',
    });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator(`a[href="/calls/${call.callId}"]`).waitFor();
    expect(await server.push.model.count({ where: { userId: managerId } })).toBe(0);
  });

  it("shows a pushed 'transcript ready' as a notification, one per call (a repeat replaces it)", async () => {
    const id = await registrationId();
    const call = await seedCallWithRecording(server.models, agent.user.id, {
      status: 'transcribed',
    });
    await server.models.Call.update({ remoteName: 'Ada Lovelace' }, { where: { id: call.callId } });
    const payload = PushPayload.parse({
      type: 'transcript.ready',
      callId: call.callId,
      direction: 'inbound',
      caller: { name: 'Ada Lovelace', number: '+33612345678' },
      url: `/calls/${call.callId}`,
    });
    const deliver = (data: string) =>
      cdp.send('ServiceWorker.deliverPushMessage', { origin: site.url, registrationId: id, data });

    await deliver(JSON.stringify(payload));
    await expect(poll(notifications, (n) => n.length === 1)).resolves.toEqual([
      {
        title: 'Transcript ready',
        body: 'Call from Ada Lovelace (+33612345678)',
        tag: `call-${call.callId}`,
        data: { url: `/calls/${call.callId}`, callId: call.callId },
      },
    ]);

    // The same call again: still one notification. A message that is not ours: nothing shown.
    // Another call after them: its own notification beside the first (and, once it is shown,
    // the messages before it have been handled).
    await deliver(JSON.stringify(payload));
    await deliver(JSON.stringify({ type: 'something.else', text: 'hello' }));
    await deliver('not json');
    const other = await seedCallWithRecording(server.models, agent.user.id, {
      status: 'transcribed',
    });
    await deliver(
      JSON.stringify({
        ...payload,
        callId: other.callId,
        url: `/calls/${other.callId}`,
        caller: { name: null, number: null },
      }),
    );
    const both = await poll(notifications, (n) => n.some((x) => x.tag === `call-${other.callId}`));
    expect(both.map((n) => n.tag).sort()).toEqual(
      [`call-${call.callId}`, `call-${other.callId}`].sort(),
    );
    expect(both.find((n) => n.tag === `call-${other.callId}`)?.body).toBe(
      'Call from unknown caller',
    );
  });

  it('a click on the notification brings the open app to that call', async () => {
    const shown = await notifications();
    const target = shown.find((n) => n.data.callId !== undefined)!;
    expect(new URL(page.url()).pathname).toBe('/');
    // DevTools cannot click a notification: the service worker's own handler gets a
    // notificationclick event for the notification it showed (the event is synthetic, so the
    // handler's waitUntil is refused; what it started still runs).
    const [worker] = phone.context.serviceWorkers();
    expect(worker).toBeDefined();
    await worker!.evaluate(async (tag) => {
      // (Service worker globals, typed by hand: this file is compiled with the DOM library.)
      const sw = self as unknown as {
        registration: { getNotifications(filter: { tag: string }): Promise<unknown[]> };
        NotificationEvent: new (type: string, init: { notification: unknown }) => Event;
        dispatchEvent(event: Event): boolean;
      };
      const [notification] = await sw.registration.getNotifications({ tag });
      const click = new sw.NotificationEvent('notificationclick', { notification });
      try {
        sw.dispatchEvent(click);
      } catch {
        // waitUntil on an untrusted event
      }
    }, target.tag);
    await page.waitForURL(`${site.url}${target.data.url}`);
    await page.getByRole('link', { name: 'Back to the inbox' }).waitFor();
    // The clicked notification is closed; the other one stays.
    expect((await poll(notifications, (n) => n.length === 1)).map((n) => n.tag)).not.toContain(
      target.tag,
    );
  });
});

async function poll<T>(
  read: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`condition not met after ${timeoutMs} ms; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
