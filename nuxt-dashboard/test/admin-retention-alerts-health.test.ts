import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { QueueEvents, type Job, type Worker } from 'bullmq';
import type { Page } from 'playwright-core';
import type { TokenPair } from '@cwn/protocol';
import { DEMO_M2M_CLIENT_ID, DEMO_M2M_CLIENT_SECRET, startNinjaOneSim } from '@cwn/ninjaone-sim';
import { RETENTION_JOB, startMaintenanceWorker, type TestApp } from '@cwn/test-support/app';
import { startDashboardHarness, type DashboardHarness } from '@cwn/test-support/dashboard-harness';
import { callMeta, makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';

/**
 * The settings pages that take effect, in Chromium against the real server: the retention policy
 * changed in /admin/retention moves the daily job and the next run applies it (no restart), with
 * its preview; an alert threshold changed in /admin/alerts changes the alerts computed next; and
 * /admin/health shows each part's status with its figure and what to do when it is red. Settings
 * are global: a database of this file's own, and a Redis prefix under the dashboard tests'.
 */
const DAY = 86_400_000;
const SCREENSHOTS = join(__dirname, '..', '..', 'test-output', 'screenshots');
let h: DashboardHarness;
let PREFIX: string;
let t: TestApp;
let base: string;
let maintenance: Worker;
let admin: TokenPair;
let supervisor: TokenPair;
let agent: TokenPair;
const realStart = Date.now();
let now = new Date(realStart);

beforeAll(async () => {
  h = await startDashboardHarness({
    ownDatabase: 'dash_admin_settings',
    redisTag: 'adm',
    env: () => ({
      RETENTION_DAYS: '45',
      RETENTION_HOUR: '4',
      RETENTION_TIME_ZONE: 'Europe/Paris',
    }),
    app: { now: () => now },
  });
  ({ t, base } = h);
  PREFIX = h.redisPrefix;
  admin = await t.userWithRole('admin');
  supervisor = await t.userWithRole('supervisor');
  agent = await t.userWithRole('agent');
  // As the server's start does: the daily job planned from the settings, and its consumer.
  await t.retention.schedule();
  maintenance = startMaintenanceWorker({
    redis: t.redis,
    prefix: PREFIX,
    retention: t.retention.service,
    logger: t.logger,
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await maintenance?.close();
  await t?.queues.maintenance.removeJobScheduler('retention-daily');
  await h?.close();
});

const signedIn = (pair: TokenPair): Promise<Page> => h.signedIn(pair);

async function uploadAt(at: Date): Promise<string> {
  now = at;
  const wav = makeWav({ frames: 1600 });
  const res = await upload(t, agent.accessToken, wav, { ...callMeta(), sha256: sha256(wav) });
  expect(res.status).toBe(201);
  now = new Date(realStart);
  return res.body.recording.id as string;
}

/** The run the daily job has planned, started now: the same job the schedule would start. */
async function runPlannedPurge(): Promise<void> {
  const connection = t.redis.duplicate();
  const events = new QueueEvents(t.queues.maintenance.name, { connection, prefix: PREFIX });
  try {
    await events.waitUntilReady();
    const planned = (await t.queues.maintenance.getDelayed()).filter(
      (j) => j.name === RETENTION_JOB,
    ) as Job[];
    expect(planned).toHaveLength(1);
    await planned[0]!.promote();
    await planned[0]!.waitUntilFinished(events, 15_000);
  } finally {
    await events.close();
    connection.disconnect();
  }
}

describe('settings that take effect', () => {
  it('changes the retention policy in /admin/retention: preview, the daily job moved, the next run applies it', async () => {
    const old = await uploadAt(new Date(realStart - 20 * DAY));
    const page = await signedIn(admin);
    await page.click('nav >> text=Retention');
    await page.waitForURL('**/admin/retention');
    await page.waitForSelector('[data-test=preview]');
    expect(await page.innerText('[data-test=daily]')).toBe('at 04:00 (Europe/Paris)');
    expect(await page.getAttribute('[data-test=preview-audio]', 'data-count')).toBe('0');

    const form = page.locator('[data-test=retention-settings]');
    await form.locator('input[name=audioDays]').fill('10');
    await form.locator('input[name=keepTranscripts]').uncheck();
    await form.locator('input[name=transcriptDays]').fill('400');
    await form.locator('select[name=hour]').selectOption('22');
    await form.locator('input[name=timeZone]').fill('Asia/Tokyo');
    // The preview of the form, before saving: the 20-day-old recording would go.
    await page.click('[data-test=preview-form]');
    await page.waitForSelector('[data-test=preview-unsaved]');
    expect(await page.getAttribute('[data-test=preview-audio]', 'data-count')).toBe('1');
    await page.waitForSelector(`[data-test=preview-items] tr[data-recording="${old}"]`);
    expect(
      (await t.http.get('/api/admin/retention').set('Authorization', `Bearer ${admin.accessToken}`))
        .body.audioDays,
    ).toBe(45);

    // A time zone that does not exist is refused before anything is sent.
    await form.locator('input[name=timeZone]').fill('Asia/Atlantis');
    await page.click('[data-test=save]');
    await page.waitForSelector('[data-test=error] >> text=is not a time zone');
    await form.locator('input[name=timeZone]').fill('Asia/Tokyo');
    await page.click('[data-test=save]');
    await page.waitForSelector('[data-test=notice] >> text=without a restart');
    expect(await page.innerText('[data-test=daily]')).toBe('at 22:00 (Asia/Tokyo)');
    expect(await page.innerText('[data-test=audio-days]')).toBe('10 days');
    // Tokyo is UTC+9 all year: the next run is at 13:00 UTC, today or tomorrow.
    const expected = new Date();
    expected.setUTCHours(13, 0, 0, 0);
    if (expected.getTime() <= Date.now()) expected.setUTCDate(expected.getUTCDate() + 1);
    expect(await page.getAttribute('[data-test=next-run]', 'data-at')).toBe(expected.toISOString());
    expect(await page.getAttribute('[data-test=preview]', 'data-unsaved')).toBe('false');
    expect(await page.getAttribute('[data-test=preview-audio]', 'data-count')).toBe('1');
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-retention-edit.png'), fullPage: true });

    // The planned run, with the server as it is (no restart): the recording's audio goes.
    await runPlannedPurge();
    expect((await t.models.Recording.findByPk(old))!.purgedAt).not.toBeNull();
    await page.reload();
    await page.waitForSelector('[data-test=last-run] >> text=1 recordings deleted');
    expect(await page.getAttribute('[data-test=preview-audio]', 'data-count')).toBe('0');
    await page.close();

    // Supervisors read and preview; they do not change it.
    const sup = await signedIn(supervisor);
    await sup.goto(`${base}/admin/retention`);
    await sup.waitForSelector('[data-test=read-only]');
    expect(await sup.locator('[data-test=save]').count()).toBe(0);
    expect(await sup.locator('input[name=audioDays]').isDisabled()).toBe(true);
    await sup.close();
  }, 60_000);

  it('changes an alert threshold in /admin/alerts and the alerts computed next follow it', async () => {
    const page = await signedIn(admin);
    await page.click('nav >> text=Alerts');
    await page.waitForURL('**/admin/alerts');
    // No worker is online: the default (one expected) raises the alert.
    await page.waitForSelector('[data-test=current-alerts] [data-alert=no_worker_online]');
    expect(await page.inputValue('input[name=minWorkers]')).toBe('1');
    await page.fill('input[name=minWorkers]', '0');
    await page.click('[data-test=save]');
    await page.waitForSelector('[data-test=notice] >> text=Thresholds saved');
    await page.waitForSelector('[data-test=no-alert]');
    // The wallboard's summary is computed with it too.
    const summary = await t.http
      .get('/api/dashboard/summary')
      .set('Authorization', `Bearer ${supervisor.accessToken}`);
    expect(summary.body.alerts).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-alerts.png'), fullPage: true });
    // Back to the environment's thresholds (one worker expected), for the health page below.
    await page.click('[data-test=reset]');
    await page.waitForSelector('[data-test=current-alerts] [data-alert=no_worker_online]');
    expect(await page.inputValue('input[name=minWorkers]')).toBe('1');
    await page.waitForSelector('[data-test=source] >> text=From the server’s environment');
    expect(await page.locator('[data-test=reset]').count()).toBe(0);
    await page.close();
  }, 30_000);

  it('shows each part of the system with its status, figure and advice in /admin/health; raw JSON behind details', async () => {
    // NinjaOne set up against the simulator, which then goes away.
    const sim = await startNinjaOneSim();
    const res = await t.http
      .put('/api/settings/ninjaone')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({
        region: 'custom',
        baseUrl: sim.url,
        authMode: 'client_credentials',
        clientId: DEMO_M2M_CLIENT_ID,
        clientSecret: DEMO_M2M_CLIENT_SECRET,
      });
    expect(res.status).toBe(200);
    const page = await signedIn(admin);
    await page.click('nav >> text=System health');
    await page.waitForURL('**/admin/health');
    await page.waitForSelector('[data-check=ninjaone][data-status=green]');
    expect(await page.getAttribute('[data-check=postgres]', 'data-status')).toBe('green');
    expect(await page.innerText('[data-check=postgres] [data-test=figure]')).toMatch(
      /^answers in \d+ ms$/,
    );
    expect(await page.innerText('[data-check=disk] [data-test=figure]')).toMatch(/% free$/);

    await sim.close();
    await page.click('[data-test=refresh]');
    const ninja = page.locator('[data-check=ninjaone][data-status=red]');
    await ninja.waitFor();
    expect(await ninja.locator('[data-test=status]').innerText()).toBe('Action needed');
    expect(await ninja.locator('[data-test=reason]').innerText()).toBe(
      'NinjaOne cannot be reached with the saved settings.',
    );
    expect(await ninja.locator('[data-test=advice]').innerText()).toMatch(/Check the API host/);
    const workers = page.locator('[data-check=workers]');
    expect(await ninja.locator('[data-test=figure]').innerText()).toBe('—');
    expect(await workers.getAttribute('data-status')).toBe('red');
    expect(await workers.locator('[data-test=figure]').innerText()).toBe('0 online');
    expect(await workers.locator('[data-test=advice]').innerText()).toMatch(/Start a worker/);

    // The raw report is behind "details".
    expect(await page.locator('[data-test=details]').count()).toBe(0);
    await page.click('[data-test=details-toggle]');
    const raw = JSON.parse(await page.innerText('[data-test=details]')) as {
      checks: { key: string; status: string }[];
    };
    expect(raw.checks.find((c) => c.key === 'ninjaone')?.status).toBe('red');
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-health.png'), fullPage: true });

    // In French too.
    await page.selectOption('select[aria-label=Language]', 'fr');
    await page.waitForSelector('[data-check=workers] [data-test=figure] >> text=0 en ligne');
    expect(await ninja.locator('[data-test=status]').innerText()).toBe('Action requise');
    await page.close();
  }, 40_000);
});
