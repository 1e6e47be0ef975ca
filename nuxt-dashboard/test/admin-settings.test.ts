import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { NinjaOneSettings, type TokenPair } from '@cwn/protocol';
import {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_M2M_CLIENT_ID,
  DEMO_M2M_CLIENT_SECRET,
  demoClients,
  startNinjaOneSim,
  type StartedSim,
} from '@cwn/ninjaone-sim';
import { scheduleRetention, type TestApp } from '@cwn/test-support/app';
import { startDashboardHarness, type DashboardHarness } from '@cwn/test-support/dashboard-harness';

// The dashboard tests' database; a Redis prefix of this file's own (under the dashboard's, so the
// global teardown removes it), so the worker heartbeat and schedule below never reach /tv's test.
const ENV = { REDIS_PREFIX: '' };

const SCREENSHOTS = join(__dirname, '..', '..', 'test-output', 'screenshots');
let h: DashboardHarness;
let t: TestApp;
let sim: StartedSim;
let base: string;
let admin: TokenPair;
let supervisor: TokenPair;

beforeAll(async () => {
  h = await startDashboardHarness({
    redisTag: 'settings',
    env: async ({ base }) => {
      // NinjaOne sends the browser back to the server's callback through the dashboard's origin, as
      // behind nginx: that address is the public URL and a redirect URI of the simulated client app.
      const callback = `${base}/api/ninjaone/callback`;
      sim = await startNinjaOneSim({
        clients: demoClients().map((c) =>
          c.clientId === DEMO_CLIENT_ID ? { ...c, redirectUris: [callback] } : c,
        ),
      });
      return {
        RETENTION_DAYS: '45',
        TRANSCRIPT_RETENTION_DAYS: '365',
        RETENTION_HOUR: '4',
        PUBLIC_URL: base,
      };
    },
  });
  ({ t, base } = h);
  ENV.REDIS_PREFIX = h.redisPrefix;
  admin = await t.userWithRole('admin');
  supervisor = await t.userWithRole('supervisor');
}, 60_000);

afterAll(async () => {
  await h?.close();
  await sim?.close();
});

const signedIn = (pair: TokenPair): Promise<Page> => h.signedIn(pair);

const storedSettings = async () =>
  NinjaOneSettings.parse(
    (await t.http.get('/api/settings/ninjaone').set('Authorization', `Bearer ${admin.accessToken}`))
      .body,
  );

describe('NinjaOne, Whisper and retention admin pages', () => {
  it('lets an admin set NinjaOne up against the simulator, test it and connect it; supervisors read it only', async () => {
    const page = await signedIn(admin);
    await page.click('nav >> text=NinjaOne');
    await page.waitForURL('**/admin/ninjaone');
    const form = page.locator('[data-test=ninjaone-settings]');
    await page.waitForSelector('[data-test=secret-state] >> text=Not set');
    expect(await page.locator('[data-test=test]').isDisabled()).toBe(true);

    await form.locator('select[name=region]').selectOption('custom');
    await form.locator('input[name=baseUrl]').fill(sim.url);
    await form.locator('select[name=authMode]').selectOption('client_credentials');
    await form.locator('input[name=clientId]').fill(DEMO_M2M_CLIENT_ID);
    await form.locator('input[name=clientSecret]').fill(DEMO_M2M_CLIENT_SECRET);
    await form.locator('input[name=subjectTemplate]').fill('{caller}: {firstWords}');
    await page.click('[data-test=save]');
    await page.waitForSelector('[data-test=notice] >> text=NinjaOne settings saved.');
    await page.waitForSelector('[data-test=secret-state] >> text=Set');
    // The secret never comes back to the page.
    expect(await form.locator('input[name=clientSecret]').inputValue()).toBe('');

    // The tenant's forms, statuses and organizations fill the pickers once it can be reached.
    const org = form.locator('select[name=fallbackOrganizationId] option:not([value=""])').first();
    await org.waitFor({ state: 'attached' });
    const orgId = await org.getAttribute('value');
    await form.locator('select[name=fallbackOrganizationId]').selectOption(orgId!);
    const status = await form
      .locator('select[name=statusId] option:not([value=""])')
      .first()
      .getAttribute('value');
    await form.locator('select[name=statusId]').selectOption(status!);
    await form.locator('select[name=priority]').selectOption('HIGH');
    await page.click('[data-test=save]');
    await page.waitForSelector('[data-test=notice] >> text=NinjaOne settings saved.');
    expect(await storedSettings()).toMatchObject({
      region: 'custom',
      baseUrl: sim.url,
      clientId: DEMO_M2M_CLIENT_ID,
      hasClientSecret: true, // an empty secret field kept it
      fallbackOrganizationId: Number(orgId),
      statusId: status,
      priority: 'HIGH',
      subjectTemplate: '{caller}: {firstWords}',
    });

    await page.click('[data-test=test]');
    const result = page.locator('[data-test=test-result]');
    await result.waitFor();
    expect(await result.getAttribute('data-ok')).toBe('true');
    expect(await result.getAttribute('data-write')).toBe('yes');
    expect(await result.locator('[data-test=test-write]').innerText()).toContain(
      'This mode may create tickets',
    );
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-ninjaone.png'), fullPage: true });

    // Authorization-code mode: "Connect NinjaOne" goes through NinjaOne's sign-in and back.
    await form.locator('select[name=authMode]').selectOption('authorization_code');
    await form.locator('input[name=clientId]').fill(DEMO_CLIENT_ID);
    await form.locator('input[name=clientSecret]').fill(DEMO_CLIENT_SECRET);
    await page.click('[data-test=save]');
    await page.waitForSelector('[data-test=connected-state] >> text=Not connected');
    await page.click('[data-test=connect]');
    await page.waitForSelector('[data-test=notice] >> text=NinjaOne is connected');
    expect(page.url()).toBe(`${base}/admin/ninjaone`);
    await page.waitForSelector('[data-test=connected-state] >> text=Connected since');
    expect((await storedSettings()).connected).toBe(true);
    // NinjaOne revokes the consent: the next renewal gets invalid_grant and the page says why.
    sim.sim.configure({ refreshTokensRevoked: true });
    sim.sim.revokeAllTokens('access');
    await expect(t.ninjaone.client.request('GET', '/organizations')).rejects.toThrow(
      /expired or was revoked/,
    );
    await page.reload();
    const lost = page.locator('[data-test=disconnected]');
    await lost.waitFor();
    expect(await lost.innerText()).toMatch(
      /^Disconnected since .*expired or was revoked.*Refresh token revoked/,
    );
    sim.sim.configure({ refreshTokensRevoked: false });
    await page.click('[data-test=connect]');
    await page.waitForSelector('[data-test=connected-state] >> text=Connected since');
    // A refused sign-in comes back with the reason.
    await page.goto(`${base}/admin/ninjaone?error=access_denied`);
    await page.waitForSelector(
      '[data-test=error] >> text=NinjaOne connection failed: access_denied',
    );
    await page.close();

    const sup = await signedIn(supervisor);
    await sup.goto(`${base}/admin/ninjaone`);
    await sup.waitForSelector('[data-test=read-only]');
    const supForm = sup.locator('[data-test=ninjaone-settings]');
    expect(await supForm.locator('input[name=clientId]').inputValue()).toBe(DEMO_CLIENT_ID);
    expect(await supForm.locator('input[name=clientId]').isDisabled()).toBe(true);
    expect(await supForm.locator('select[name=region]').isDisabled()).toBe(true);
    expect(
      await sup.locator('[data-test=save], [data-test=test], [data-test=connect]').count(),
    ).toBe(0);
    await sup.close();
  }, 40_000);

  it('shows the retention policy with the next purge and the last run, and the workers online', async () => {
    await scheduleRetention(t.queues.maintenance, t.config.retention.hour);
    const report = await t.retention.service.run();
    const beat = {
      id: 'gpu-a',
      host: 'gpu-box',
      pid: 9,
      engine: 'whisper.cpp',
      model: 'large-v3-turbo',
      gpu: true,
      concurrency: 2,
      active: 1,
    };
    const iso = new Date().toISOString();
    await t.redis.set(
      `${ENV.REDIS_PREFIX}:workers:gpu-a`,
      JSON.stringify({ ...beat, startedAt: iso, lastSeenAt: iso }),
      'EX',
      60,
    );

    // A supervisor lands on the wallboard: the admin pages are one address away.
    const page = await signedIn(supervisor);
    await page.goto(`${base}/admin/retention`);
    await page.waitForSelector('[data-test=retention]');
    expect(await page.innerText('[data-test=audio-days]')).toBe('45 days');
    expect(await page.innerText('[data-test=transcript-days]')).toBe('365 days');
    const next = new Date();
    next.setHours(4, 0, 0, 0);
    if (next.getTime() <= Date.now()) next.setDate(next.getDate() + 1);
    expect(await page.getAttribute('[data-test=next-run]', 'data-at')).toBe(next.toISOString());
    expect((await page.innerText('[data-test=next-run]')).trim()).not.toBe('');
    expect(await page.innerText('[data-test=last-run]')).toContain(
      `${report.audioPurged} recordings deleted`,
    );
    // Nobody changed it here: the environment's values, and supervisors only read them.
    expect(await page.innerText('[data-test=source]')).toContain('From the server’s environment');
    await page.waitForSelector('[data-test=read-only]');
    expect(await page.locator('[data-test=save]').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-retention.png'), fullPage: true });

    await page.click('nav >> text=Whisper');
    const row = page.locator('tr[data-worker=gpu-a]');
    await row.waitFor();
    expect(await row.locator('[data-test=model]').innerText()).toBe('large-v3-turbo');
    expect(await row.locator('[data-test=device]').innerText()).toBe('GPU');
    expect(await row.locator('[data-test=concurrency]').innerText()).toBe('2');
    expect(await page.innerText('[data-test=whisper-howto]')).toContain('WHISPER_MODEL');
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-whisper.png'), fullPage: true });
    await page.close();
  }, 30_000);
});
