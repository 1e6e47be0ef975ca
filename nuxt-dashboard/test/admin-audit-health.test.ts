import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Browser, Page } from 'playwright-core';
import { QUEUES, type TokenPair, type TranscriptionJob } from '@cwn/protocol';
import { TEST_PASSWORD, uniqueEmail, type TestApp } from '@cwn/test-support/app';
import { startDashboardHarness, type DashboardHarness } from '@cwn/test-support/dashboard-harness';
import { TEST_REDIS_URL } from '@cwn/test-support/services';

/**
 * The admin's audit log and system health pages in Chromium: the log lists what happened, filters
 * by user, action prefix and day, and exports the filtered rows as CSV; the health page shows
 * readiness, every queue's counts and the failed jobs, and retries or deletes one.
 */
// A database of its own: the agent it creates must not show on the wallboard test's screen; a
// Redis prefix of its own: the failed jobs below must not reach the other dashboard tests.
let h: DashboardHarness;
let t: TestApp;
let base: string;
let browser: Browser;
let admin: TokenPair;
let queue: Queue<TranscriptionJob>;
const ENV = { REDIS_PREFIX: '' };

beforeAll(async () => {
  h = await startDashboardHarness({ ownDatabase: 'dash_audit', redisTag: 'audit' });
  ({ t, base, browser } = h);
  ENV.REDIS_PREFIX = h.redisPrefix;
  admin = await t.userWithRole('admin');
  queue = new Queue(QUEUES.transcription, {
    connection: { url: TEST_REDIS_URL },
    prefix: ENV.REDIS_PREFIX,
  });
}, 60_000);

afterAll(async () => {
  await queue?.close();
  await h?.close();
});

const signedIn = (pair: TokenPair): Promise<Page> => h.signedIn(pair);

const auth = () => ({ Authorization: `Bearer ${admin.accessToken}` });
const actions = (page: Page) =>
  page
    .locator('[data-test=audit] tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));

/** A transcription job that failed for good with `reason` (a worker in this test, one attempt). */
async function failedJob(reason: string): Promise<string> {
  const id = randomUUID();
  const worker = new Worker(
    QUEUES.transcription,
    async () => {
      throw new UnrecoverableError(reason);
    },
    { connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: null }, prefix: ENV.REDIS_PREFIX },
  );
  const failed = new Promise<void>((resolve) =>
    worker.on('failed', (job) => job?.id === id && resolve()),
  );
  await queue.add(
    'transcribe',
    { recordingId: id, callId: randomUUID(), channels: 2, durationMs: 1000, languageHint: null },
    { jobId: id },
  );
  await failed;
  await worker.close();
  return id;
}

describe('audit log page', () => {
  it('lists what the admin did, filters by user, action prefix and day, and exports the filtered rows', async () => {
    // Something to find: the admin creates a user and resets their password.
    const created = await t.http
      .post('/api/users')
      .set(auth())
      .send({
        email: uniqueEmail('audited'),
        password: TEST_PASSWORD,
        role: 'agent',
        displayName: 'Audited Agent',
      });
    expect(created.status).toBe(201);
    expect(
      (
        await t.http
          .post(`/api/users/${created.body.id}/reset-password`)
          .set(auth())
          .send({ password: `${TEST_PASSWORD} 2` })
      ).status,
    ).toBeLessThan(300);

    const page = await signedIn(admin);
    await page.click('nav >> text=Audit');
    await page.waitForURL('**/admin/audit');
    await page.waitForSelector('[data-test=audit] tbody tr[data-action="user.create"]');

    // Only this admin, only user.* actions.
    const filters = page.locator('[data-test=audit-filters]');
    await filters.locator('select[name=actorId]').selectOption({ label: admin.user.email });
    await filters.locator('input[name=action]').fill('user.');
    await filters.locator('button[type=submit]').click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-test=audit] tbody tr')].every((r) =>
        r.getAttribute('data-action')?.startsWith('user.'),
      ),
    );
    expect((await actions(page)).sort()).toEqual(['user.create', 'user.reset_password']);
    const row = page.locator('[data-test=audit] tbody tr[data-action="user.create"]');
    expect(await row.innerText()).toContain(admin.user.email);
    expect(await row.innerText()).toContain(created.body.id);

    // The CSV has the same rows.
    const download = page.waitForEvent('download');
    await page.click('[data-test=export]');
    const file = await (await download).path();
    const csv = readFileSync(file, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('at,actor,action,target_type,target_id,details,ip,request_id');
    expect(
      csv
        .slice(1)
        .map((l) => l.split(',')[2])
        .sort(),
    ).toEqual(['user.create', 'user.reset_password']);

    // A day with nothing in it: an empty table.
    await filters.locator('input[name=from]').fill('2001-01-01');
    await filters.locator('input[name=to]').fill('2001-01-02');
    await filters.locator('button[type=submit]').click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-test=audit] tbody tr').length === 0,
    );
    expect(await page.locator('[role=alert]').count()).toBe(0);
    await page.close();
  });

  it('is the admins’ only: a supervisor sent there lands on /forbidden', async () => {
    const supervisor = await t.userWithRole('supervisor');
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${base}/login?next=/admin/audit`);
    await page.fill('input[name=email]', supervisor.user.email);
    await page.fill('input[name=password]', TEST_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL('**/forbidden?from=/admin/audit');
    expect(await page.locator('[data-test=audit]').count()).toBe(0);
    await page.close();
  });
});

describe('system health page', () => {
  it('shows readiness, the queues and their failed jobs; retries one and deletes another', async () => {
    const toRetry = await failedJob('the server answered 503 (test)');
    const toDelete = await failedJob('invalid_audio: not a WAV (test)');

    const page = await signedIn(admin);
    await page.click('nav >> text=Health');
    await page.waitForURL('**/admin/health');
    await page.waitForSelector('[data-test=readiness] >> text=Ready');
    const counts = page.locator('[data-test=queues] tr[data-queue=transcription] td');
    await page.waitForSelector('[data-test=queues] tr[data-queue=transcription]');
    // queue, waiting, active, delayed, failed, completed
    expect(await counts.allInnerTexts()).toEqual(['transcription', '0', '0', '0', '2', '0']);
    const failed = page.locator('[data-failed=transcription]');
    expect(await failed.locator(`tr[data-job="${toRetry}"]`).innerText()).toContain(
      'the server answered 503 (test)',
    );
    expect(await failed.locator(`tr[data-job="${toDelete}"]`).innerText()).toContain(
      'invalid_audio: not a WAV (test)',
    );

    // Retry: the job waits again for a worker, and leaves the failed list.
    await failed.locator(`tr[data-job="${toRetry}"] [data-test=retry]`).click();
    await failed.locator(`tr[data-job="${toRetry}"]`).waitFor({ state: 'detached' });
    expect(await (await queue.getJob(toRetry))!.getState()).toBe('waiting');
    await page.waitForFunction(
      () =>
        document
          .querySelector('[data-test=queues] tr[data-queue=transcription] td:nth-child(2)')
          ?.textContent?.trim() === '1',
    );

    // Delete: the job is gone from the queue.
    await failed.locator(`tr[data-job="${toDelete}"] [data-test=delete]`).click();
    await failed.locator(`tr[data-job="${toDelete}"]`).waitFor({ state: 'detached' });
    expect(await queue.getJob(toDelete)).toBeUndefined();
    expect(await counts.allInnerTexts()).toEqual(['transcription', '1', '0', '0', '0', '0']);
    expect(await page.locator('[role=alert]').count()).toBe(0);
    await page.close();
  });
});
