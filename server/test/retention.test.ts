import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { QueueEvents } from 'bullmq';
import { startTestApp, testEnv, type TestApp } from '@cwn/test-support/app';
import { callMeta, makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';
import {
  RETENTION_JOB,
  RETENTION_SCHEDULER_ID,
  retentionPattern,
  scheduleRetention,
  startMaintenanceWorker,
} from '../src/retention/maintenance';
import type { RetentionReport } from '../src/retention/retention.service';

const DAY = 86_400_000;
let t: TestApp;
let agent: { token: string; id: string };
let supervisor: string;
const realStart = Date.now();
/** The app's clock; tokens are verified against the real one, so log in at the real time. */
let now = new Date(realStart);

beforeAll(async () => {
  t = await startTestApp(
    { RETENTION_DAYS: '30', TRANSCRIPT_RETENTION_DAYS: '90' },
    { now: () => now },
  );
  const pair = await t.userWithRole('agent');
  agent = { token: pair.accessToken, id: pair.user.id };
  supervisor = (await t.userWithRole('supervisor')).accessToken;
});
afterAll(async () => {
  await t.close();
});

async function uploadAt(at: Date): Promise<string> {
  now = at;
  const wav = makeWav({ frames: 1600 });
  const res = await upload(t, agent.token, wav, { ...callMeta(), sha256: sha256(wav) });
  expect(res.status).toBe(201);
  return res.body.recording.id as string;
}

const fileExists = async (id: string) => (await t.recordings.store()).exists(id);

describe('retention', () => {
  it('deletes audio older than RETENTION_DAYS, keeps recent audio, marks rows purged and audits the counts', async () => {
    const old = await uploadAt(new Date(realStart - 40 * DAY));
    const recent = await uploadAt(new Date(realStart - 10 * DAY));
    now = new Date(realStart);

    const purged: Date[] = [];
    t.retention.service.setTranscriptPurger({
      purgeOlderThan: async (cutoff, dryRun) => {
        if (!dryRun) purged.push(cutoff);
        return 7;
      },
    });

    const dry = await t.retention.service.run({ dryRun: true });
    expect(dry.audioPurged).toBeGreaterThanOrEqual(1);
    expect(await fileExists(old)).toBe(true);
    expect((await t.models.Recording.findByPk(old))!.purgedAt).toBeNull();

    const report: RetentionReport = await t.retention.service.run();
    expect(report.dryRun).toBe(false);
    expect(report.audioCutoff).toBe(new Date(realStart - 30 * DAY).toISOString());
    expect(report.audioPurged).toBe(dry.audioPurged);
    expect(report.transcriptsPurged).toBe(7);
    expect(purged).toEqual([new Date(realStart - 90 * DAY)]);

    expect(await fileExists(old)).toBe(false);
    expect((await t.models.Recording.findByPk(old))!.purgedAt!.getTime()).toBe(realStart);
    expect(await fileExists(recent)).toBe(true);
    expect((await t.models.Recording.findByPk(recent))!.purgedAt).toBeNull();

    const entry = await t.models.AuditLog.findOne({
      where: { action: 'retention.run' },
      order: [['id', 'DESC']],
    });
    expect(entry!.details).toMatchObject({
      audioPurged: report.audioPurged,
      transcriptsPurged: 7,
      dryRun: false,
    });
    expect(
      await t.models.AuditLog.count({ where: { action: 'retention.dry_run' } }),
    ).toBeGreaterThanOrEqual(1);

    // The purged recording's audio is gone for good; the call and its row stay.
    const res = await t.http
      .get(`/api/recordings/${old}/audio`)
      .set('Authorization', `Bearer ${supervisor}`);
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/deleted by the retention policy/);
    const again = await t.retention.service.run();
    expect(again.audioPurged).toBe(0);
  });

  it('runs daily from a repeatable job on the maintenance queue, consumed by the server', async () => {
    await scheduleRetention(t.queues.maintenance, 4);
    const schedulers = await t.queues.maintenance.getJobSchedulers();
    const daily = schedulers.find((s) => s.key === RETENTION_SCHEDULER_ID);
    expect(daily?.pattern).toBe(retentionPattern(4));
    expect(retentionPattern(4)).toBe('0 4 * * *');
    await t.queues.maintenance.removeJobScheduler(RETENTION_SCHEDULER_ID);

    const worker = startMaintenanceWorker({
      redis: t.redis,
      prefix: t.config.redisPrefix,
      retention: t.retention.service,
      logger: t.logger,
    });
    const eventsConnection = t.redis.duplicate();
    const events = new QueueEvents(t.queues.maintenance.name, {
      connection: eventsConnection,
      prefix: t.config.redisPrefix,
    });
    try {
      await events.waitUntilReady();
      const old = await uploadAt(new Date(realStart - 31 * DAY));
      now = new Date(realStart);
      const job = await t.queues.maintenance.add(RETENTION_JOB, {});
      const result = (await job.waitUntilFinished(events, 15_000)) as RetentionReport;
      expect(result.audioPurged).toBe(1);
      expect(await fileExists(old)).toBe(false);
    } finally {
      await worker.close();
      await events.close();
      eventsConnection.disconnect();
    }
  });

  it('has a command with --dry-run that reports without deleting', async () => {
    const old = await uploadAt(new Date(realStart - 45 * DAY));
    now = new Date(realStart);
    // The command uses the real clock: 45 days ago is past the 30-day cutoff.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/bin/retention.ts', '--dry-run'],
      { cwd: `${__dirname}/..`, env: { ...process.env, ...testEnv() } },
    );
    const report = JSON.parse(stdout) as RetentionReport;
    expect(report.dryRun).toBe(true);
    expect(report.audioPurged).toBeGreaterThanOrEqual(1);
    expect(await fileExists(old)).toBe(true);
  });
});
