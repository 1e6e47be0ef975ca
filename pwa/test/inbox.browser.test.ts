import { randomBytes } from 'node:crypto';
import type { TokenPair } from '@cwn/protocol';
import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { migratedDatabase } from '@cwn/test-support/services';
import { launchPhone, type Phone } from '@cwn/test-support/pwa-browser';
import { DIST_DIR } from '@cwn/test-support/pwa-build';
import { serveDist, type StaticSite } from '@cwn/test-support/static-server';

jest.setTimeout(120_000);

/**
 * The inbox against the real server: the exact count of calls awaiting validation past a page
 * (header badge and app icon badge), the agent filter, and a Socket.IO connection dropped by the
 * server whose missed changes are fetched on reconnection. Exact counts need a database of its
 * own (other files' calls would be counted too).
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let site: StaticSite;
let server: TestApp;
let phone: Phone;
let page: Page;
let manager: TokenPair;
let alice: TokenPair;
let bruno: TokenPair;
const AWAITING = 205; // more than the 200 the badge used to count

let seq = 0;
function call(
  agentId: string,
  status: 'transcribed' | 'missed',
  minutesAgo: number,
  remoteName: string,
) {
  return {
    id: crypto.randomUUID(),
    agentId,
    direction: 'inbound' as const,
    remoteNumber: '+33 6 00 00 00 00',
    remoteName,
    pbxCallId: `pbx-inbox-${Date.now()}-${++seq}`,
    startedAt: new Date(Date.now() - minutesAgo * 60_000),
    answeredAt: null,
    endedAt: null,
    status,
  };
}

let brunoCalls: string[];

beforeAll(async () => {
  db = await migratedDatabase('pwa-inbox');
  site = await serveDist(DIST_DIR);
  server = await startTestApp({
    CORS_ORIGINS: site.url,
    DATABASE_URL: db.url,
    REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-pwa-inbox-${randomBytes(4).toString('hex')}`,
  });
  manager = await server.userWithRole('manager');
  alice = await server.userWithRole('agent', { extension: '201' });
  bruno = await server.userWithRole('agent', { extension: '202' });
  await server.models.User.update(
    { displayName: 'Alice Martin' },
    { where: { id: alice.user.id } },
  );
  await server.models.User.update({ displayName: 'Bruno Petit' }, { where: { id: bruno.user.id } });
  // Written to the database in one go: 205 awaiting (203 Alice's, 2 Bruno's), and a missed call of Bruno's.
  const rows = [
    ...Array.from({ length: AWAITING - 2 }, (_, i) =>
      call(alice.user.id, 'transcribed', 600 + i, `Client A${i}`),
    ),
    call(bruno.user.id, 'transcribed', 120, 'Client B1'),
    call(bruno.user.id, 'transcribed', 121, 'Client B2'),
    call(bruno.user.id, 'missed', 30, 'Client B3'),
  ];
  await server.models.Call.bulkCreate(rows);
  brunoCalls = rows.filter((r) => r.agentId === bruno.user.id).map((r) => r.id);
  phone = await launchPhone();
  page = phone.context.pages()[0] ?? (await phone.context.newPage());
  // What the app asks the platform to show on its icon.
  await page.addInitScript(() => {
    const w = window as unknown as { appBadges: Array<number | null> };
    w.appBadges = [];
    Object.assign(navigator, {
      setAppBadge: async (n?: number) => void w.appBadges.push(n ?? null),
      clearAppBadge: async () => void w.appBadges.push(0),
    });
  });
});

afterAll(async () => {
  await phone?.close();
  await server?.close();
  await site?.close();
  await db?.drop();
});

async function openAs(tokens: TokenPair): Promise<void> {
  await page.goto(site.url);
  await page.evaluate(
    ({ url, tokens }) => {
      localStorage.setItem('cwn.server', url);
      localStorage.setItem('cwn.session', JSON.stringify(tokens));
    },
    { url: server.url(), tokens },
  );
  await page.goto(site.url);
  await page.getByTestId('call').first().waitFor();
}

const shownIds = () =>
  page.getByTestId('call').evaluateAll((els) => els.map((e) => e.getAttribute('data-call-id')));

describe('the inbox (English, phone)', () => {
  it('the badges show the exact number of calls awaiting validation, past 200', async () => {
    await openAs(manager);
    const badge = page.getByTestId('awaiting-badge');
    await badge.filter({ hasText: String(AWAITING) }).waitFor();
    expect((await badge.textContent())?.trim()).toBe('205');
    expect(await badge.getAttribute('aria-label')).toBe('205 call(s) awaiting validation');
    await page.waitForFunction(
      () => (window as unknown as { appBadges: unknown[] }).appBadges.length > 0,
    );
    expect(
      await page.evaluate(() => (window as unknown as { appBadges: unknown[] }).appBadges.at(-1)),
    ).toBe(AWAITING);
  });

  it('filters by agent: the choices are the active agents, and one agent shows only their calls', async () => {
    const select = page.getByLabel('Agent', { exact: true });
    await select.locator('option', { hasText: 'Bruno Petit (202)' }).waitFor({ state: 'attached' });
    const options = await select.locator('option').allTextContents();
    expect(options).toEqual(['All agents', 'Alice Martin (201)', 'Bruno Petit (202)']);
    await select.selectOption({ label: 'Bruno Petit (202)' });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="call"]').length === n,
      brunoCalls.length,
    );
    expect((await shownIds()).sort()).toEqual([...brunoCalls].sort());
    // With the status filter too: Bruno's awaiting calls only.
    await page.getByLabel('Status').selectOption({ label: 'To validate' });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="call"]').length === 2,
    );
    expect((await shownIds()).sort()).toEqual(brunoCalls.slice(0, 2).sort());
    // Back to everyone's calls.
    await page.getByLabel('Status').selectOption('');
    await select.selectOption({ label: 'All agents' });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="call"]').length > 3);
  });

  it('after the server drops the live connection, the inbox shows what changed meanwhile, without a reload', async () => {
    // A call of Alice's, reported through the API (the inbox hears of it live).
    const created = await server.http
      .post('/api/calls')
      .set('Authorization', `Bearer ${alice.accessToken}`)
      .send({
        direction: 'inbound',
        pbxCallId: `pbx-live-${Date.now()}`,
        startedAt: new Date().toISOString(),
        remoteName: 'Avant coupure',
      });
    expect(created.status).toBe(201);
    const callId = (created.body as { id: string }).id;
    const row = page.locator(`[data-call-id="${callId}"]`);
    await row.filter({ hasText: 'Avant coupure' }).waitFor();
    await waitForSockets(1);
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    // The server drops the page's connection and holds new handshakes until the change is made.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    server.io.use((_socket, next) => void gate.then(() => next()));
    server.io.disconnectSockets();
    await waitForSockets(0);
    const changed = await server.http
      .patch(`/api/calls/${callId}`)
      .set('Authorization', `Bearer ${alice.accessToken}`)
      .send({ event: 'answered', remoteName: 'Après coupure' });
    expect(changed.status).toBe(200);
    // The event went nowhere: the page still shows the old name.
    await new Promise((r) => setTimeout(r, 300));
    expect(await row.textContent()).toContain('Avant coupure');

    open();
    await row.filter({ hasText: 'Après coupure' }).waitFor();
    expect(await row.textContent()).toContain('In progress');
    expect(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
    expect(await server.io.fetchSockets()).toHaveLength(1);
  });

  it('agents, who see only their own calls, get no agent filter', async () => {
    await openAs(bruno);
    await page.getByLabel('Status').waitFor();
    expect(await page.getByLabel('Agent', { exact: true }).count()).toBe(0);
    expect((await shownIds()).sort()).toEqual([...brunoCalls].sort());
    // Their badge counts their own calls awaiting validation.
    await page.getByTestId('awaiting-badge').filter({ hasText: '2' }).waitFor();
  });
});

/** Resolves once the server holds `n` sockets. */
async function waitForSockets(n: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await server.io.fetchSockets()).length !== n) {
    if (Date.now() > deadline)
      throw new Error(`the server never held ${n} Socket.IO connection(s)`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
