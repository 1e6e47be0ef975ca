import { randomBytes } from 'node:crypto';
import { QueueEvents, type Job } from 'bullmq';
import {
  AlertThresholdsView,
  DashboardSummary,
  RetentionOverview,
  RetentionPreview,
  SystemHealth,
  type HealthCheckKey,
} from '@cwn/protocol';
import { DEMO_M2M_CLIENT_ID, DEMO_M2M_CLIENT_SECRET, startNinjaOneSim } from '@cwn/ninjaone-sim';
import { callMeta, makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { migratedDatabase } from '@cwn/test-support/services';
import {
  RETENTION_JOB,
  RETENTION_SCHEDULER_ID,
  startMaintenanceWorker,
} from '../src/retention/maintenance';
import { nextDailyRun } from '../src/retention/retention.settings';
import type { RetentionReport } from '../src/retention/retention.service';

/**
 * Settings stored by the server and edited in the admin pages: the retention policy (the daily
 * job re-planned on change, the next run applying the new days, the preview), the alert
 * thresholds (the next summary computed with them) and the health report for people. Settings
 * are global: a database and a Redis prefix of this file's own.
 */
const DAY = 86_400_000;
const PREFIX = `${process.env.CWN_TEST_REDIS_PREFIX}-adm-${randomBytes(4).toString('hex')}`;
let t: TestApp;
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let admin: { token: string; id: string };
let supervisor: string;
let agent: string;
const realStart = Date.now();
let now = new Date(realStart);

beforeAll(async () => {
  db = await migratedDatabase('admin_settings');
  t = await startTestApp(
    {
      DATABASE_URL: db.url,
      REDIS_PREFIX: PREFIX,
      RETENTION_DAYS: '45',
      RETENTION_HOUR: '4',
      RETENTION_TIME_ZONE: 'Europe/Paris',
    },
    { now: () => now },
  );
  const pair = await t.userWithRole('admin');
  admin = { token: pair.accessToken, id: pair.user.id };
  supervisor = (await t.userWithRole('supervisor')).accessToken;
  agent = (await t.userWithRole('agent')).accessToken;
}, 30_000);

afterAll(async () => {
  await t?.queues.maintenance.removeJobScheduler(RETENTION_SCHEDULER_ID);
  await t?.close();
  await db?.drop();
});

const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const overview = async () =>
  RetentionOverview.parse((await t.http.get('/api/admin/retention').set(as(admin.token))).body);
const putRetention = (body: object, token = admin.token) =>
  t.http.put('/api/admin/retention').set(as(token)).send(body);

async function uploadAt(at: Date): Promise<string> {
  now = at;
  const wav = makeWav({ frames: 1600 });
  const res = await upload(t, agent, wav, { ...callMeta(), sha256: sha256(wav) });
  expect(res.status).toBe(201);
  now = new Date(realStart);
  return res.body.recording.id as string;
}

describe('retention settings', () => {
  it('starts from the environment, as the daily job does', async () => {
    await t.retention.schedule();
    const o = await overview();
    expect(o).toMatchObject({
      audioDays: 45,
      transcriptDays: null,
      hour: 4,
      timeZone: 'Europe/Paris',
      source: 'environment',
      updatedAt: null,
      defaults: { audioDays: 45, transcriptDays: null, hour: 4, timeZone: 'Europe/Paris' },
    });
    const scheduler = await t.queues.maintenance.getJobScheduler(RETENTION_SCHEDULER_ID);
    expect(scheduler).toMatchObject({ pattern: '0 4 * * *', tz: 'Europe/Paris' });
    expect(o.nextRunAt).toBe(nextDailyRun(4, 'Europe/Paris', new Date()).toISOString());
  });

  it.each([
    [{ audioDays: 30, transcriptDays: null, hour: 24, timeZone: 'UTC' }, /^body\.hour: /],
    [{ audioDays: 30, transcriptDays: null, hour: -1, timeZone: 'UTC' }, /^body\.hour: /],
    [{ audioDays: 30, transcriptDays: null, hour: 3.5, timeZone: 'UTC' }, /^body\.hour: /],
    [
      { audioDays: 30, transcriptDays: null, hour: 3, timeZone: 'Mars/Olympus_Mons' },
      /^body\.timeZone: must be an IANA time zone name/,
    ],
    [{ audioDays: 0, transcriptDays: null, hour: 3, timeZone: 'UTC' }, /^body\.audioDays: /],
    [{ audioDays: 3651, transcriptDays: null, hour: 3, timeZone: 'UTC' }, /^body\.audioDays: /],
    [{ audioDays: 30, transcriptDays: -5, hour: 3, timeZone: 'UTC' }, /^body\.transcriptDays: /],
    [{ audioDays: 30, hour: 3, timeZone: 'UTC' }, /^body\.transcriptDays: /],
    [{ audioDays: 30, transcriptDays: null, hour: 3, timeZone: 'UTC', x: 1 }, /^body: /],
  ])('refuses %j with a 400 that names the field, storing nothing', async (body, message) => {
    const res = await putRetention(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toMatch(message);
    expect((await overview()).source).toBe('environment');
  });

  it('lets only admins change it', async () => {
    const body = { audioDays: 30, transcriptDays: null, hour: 3, timeZone: 'UTC' };
    expect((await putRetention(body, supervisor)).status).toBe(403);
    expect((await putRetention(body, agent)).status).toBe(403);
    expect((await overview()).source).toBe('environment');
  });

  it('re-plans the daily job at the new hour and time zone at once, and audits before and after', async () => {
    const res = await putRetention({
      audioDays: 10,
      transcriptDays: 400,
      hour: 22,
      timeZone: 'Asia/Tokyo',
    });
    expect(res.status).toBe(200);
    const o = RetentionOverview.parse(res.body);
    expect(o).toMatchObject({
      audioDays: 10,
      transcriptDays: 400,
      hour: 22,
      timeZone: 'Asia/Tokyo',
      source: 'admin',
      updatedBy: admin.id,
    });
    const scheduler = await t.queues.maintenance.getJobScheduler(RETENTION_SCHEDULER_ID);
    expect(scheduler).toMatchObject({ pattern: '0 22 * * *', tz: 'Asia/Tokyo' });
    // Tokyo is UTC+9 all year: 22:00 there is 13:00 UTC, today or tomorrow.
    const expected = new Date();
    expected.setUTCHours(13, 0, 0, 0);
    if (expected.getTime() <= Date.now()) expected.setUTCDate(expected.getUTCDate() + 1);
    expect(o.nextRunAt).toBe(expected.toISOString());
    // The delayed job that will run is the one at that time (the old 04:00 Paris one is gone).
    const delayed = (await t.queues.maintenance.getDelayed()).filter(
      (j) => j.name === RETENTION_JOB,
    );
    expect(delayed.map((j) => j.timestamp + j.delay)).toEqual([expected.getTime()]);

    const entry = await t.models.AuditLog.findOne({
      where: { action: 'retention.settings.update' },
      order: [['id', 'DESC']],
    });
    expect(entry).toMatchObject({
      actorId: admin.id,
      targetType: 'settings',
      targetId: 'retention',
    });
    expect(entry!.details).toEqual({
      before: { audioDays: 45, transcriptDays: null, hour: 4, timeZone: 'Europe/Paris' },
      after: { audioDays: 10, transcriptDays: 400, hour: 22, timeZone: 'Asia/Tokyo' },
    });
  });

  it('previews what the next run removes, and that run removes it (no restart)', async () => {
    const old = await uploadAt(new Date(realStart - 20 * DAY));
    const recent = await uploadAt(new Date(realStart - 2 * DAY));
    await putRetention({ audioDays: 45, transcriptDays: null, hour: 22, timeZone: 'Asia/Tokyo' });
    const preview = async (body: object = {}) => {
      const res = await t.http.post('/api/admin/retention/preview').set(as(supervisor)).send(body);
      expect(res.status).toBe(200);
      return RetentionPreview.parse(res.body);
    };
    const under45 = await preview();
    expect(under45.audio.items.map((i) => i.recordingId)).not.toContain(old);
    expect(under45.runAt).toBe((await overview()).nextRunAt);
    expect(under45.transcripts).toBeNull();

    // Settings not saved yet are previewed without being stored.
    const proposed = { audioDays: 10, transcriptDays: 15, hour: 3, timeZone: 'UTC' };
    const unsaved = await preview({ settings: proposed });
    expect(unsaved.settings).toEqual(proposed);
    expect(unsaved.runAt).toBe(nextDailyRun(3, 'UTC', now).toISOString());
    expect(unsaved.audio.items.map((i) => i.recordingId)).toEqual([old]);
    expect(unsaved.audio.count).toBe(1);
    expect(unsaved.audio.bytes).toBeGreaterThan(0);
    expect(unsaved.transcripts).toBe(0);
    expect((await overview()).audioDays).toBe(45);
    const bad = await t.http
      .post('/api/admin/retention/preview')
      .set(as(admin.token))
      .send({ settings: { ...proposed, timeZone: 'Nowhere' } });
    expect(bad.status).toBe(400);

    // Saved: the stored preview lists it, and the scheduled job's next run deletes it.
    await putRetention({ audioDays: 10, transcriptDays: null, hour: 22, timeZone: 'Asia/Tokyo' });
    const under10 = await preview();
    expect(under10.audio.items.map((i) => i.recordingId)).toEqual([old]);

    const worker = startMaintenanceWorker({
      redis: t.redis,
      prefix: PREFIX,
      retention: t.retention.service,
      logger: t.logger,
    });
    const eventsConnection = t.redis.duplicate();
    const events = new QueueEvents(t.queues.maintenance.name, {
      connection: eventsConnection,
      prefix: PREFIX,
    });
    try {
      await events.waitUntilReady();
      const [next] = (await t.queues.maintenance.getDelayed()).filter(
        (j) => j.name === RETENTION_JOB,
      ) as Job[];
      // The planned run itself, brought forward: the same job the schedule would start.
      await next!.promote();
      const report = (await next!.waitUntilFinished(events, 15_000)) as RetentionReport;
      expect(report.audioPurged).toBe(1);
    } finally {
      await worker.close();
      await events.close();
      eventsConnection.disconnect();
    }
    const purged = await t.models.Recording.findByPk(old);
    expect(purged!.purgedAt).not.toBeNull();
    expect((await t.models.Recording.findByPk(recent))!.purgedAt).toBeNull();
    expect((await preview()).audio.count).toBe(0);
  });
});

describe('back to the environment', () => {
  it('forgets the stored policy: the environment’s applies and the job moves back, audited', async () => {
    expect((await t.http.delete('/api/admin/retention').set(as(supervisor))).status).toBe(403);
    const res = await t.http.delete('/api/admin/retention').set(as(admin.token));
    expect(res.status).toBe(200);
    expect(RetentionOverview.parse(res.body)).toMatchObject({
      source: 'environment',
      audioDays: 45,
      hour: 4,
      timeZone: 'Europe/Paris',
    });
    const scheduler = await t.queues.maintenance.getJobScheduler(RETENTION_SCHEDULER_ID);
    expect(scheduler).toMatchObject({ pattern: '0 4 * * *', tz: 'Europe/Paris' });
    const entry = await t.models.AuditLog.findOne({
      where: { action: 'retention.settings.reset' },
    });
    expect(entry!.details).toMatchObject({
      before: { audioDays: 10, timeZone: 'Asia/Tokyo' },
      after: { audioDays: 45, timeZone: 'Europe/Paris' },
    });
  });
});

describe('alert thresholds', () => {
  const summary = async () =>
    DashboardSummary.parse((await t.http.get('/api/dashboard/summary').set(as(supervisor))).body);
  const putAlerts = (body: object, token = admin.token) =>
    t.http.put('/api/admin/alerts').set(as(token)).send(body);
  const heartbeat = (id: string) => {
    const iso = new Date().toISOString();
    return t.redis.set(
      `${PREFIX}:workers:${id}`,
      JSON.stringify({
        id,
        host: 'box',
        pid: 1,
        engine: 'whisper.cpp',
        model: 'base',
        gpu: false,
        concurrency: 1,
        active: 0,
        startedAt: iso,
        lastSeenAt: iso,
      }),
      'EX',
      60,
    );
  };

  it('starts from the environment and refuses bad values with a 400', async () => {
    const view = AlertThresholdsView.parse(
      (await t.http.get('/api/admin/alerts').set(as(supervisor))).body,
    );
    expect(view).toMatchObject({
      source: 'environment',
      thresholds: {
        queueDepth: 20,
        oldestWaitingMinutes: 10,
        minWorkers: 1,
        ninjaOneFailureWindowMinutes: 15,
      },
    });
    const good = view.thresholds;
    for (const [body, field] of [
      [{ ...good, queueDepth: -1 }, 'queueDepth'],
      [{ ...good, minWorkers: 1.5 }, 'minWorkers'],
      [{ ...good, oldestWaitingMinutes: 0 }, 'oldestWaitingMinutes'],
      [{ ...good, ninjaOneFailureWindowMinutes: 'soon' }, 'ninjaOneFailureWindowMinutes'],
    ] as const) {
      const res = await putAlerts(body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(new RegExp(`^body\\.${field}: `));
    }
    expect((await putAlerts(good, supervisor)).status).toBe(403);
  });

  it('computes the next summary’s alerts with the thresholds an admin set', async () => {
    expect((await summary()).alerts.map((a) => a.code)).toContain('no_worker_online');
    const base = { queueDepth: 20, oldestWaitingMinutes: 10, ninjaOneFailureWindowMinutes: 15 };

    // No worker is expected (a site that transcribes overnight only): the alert goes.
    expect((await putAlerts({ ...base, minWorkers: 0 })).status).toBe(200);
    expect((await summary()).alerts.map((a) => a.code)).not.toContain('no_worker_online');

    // One worker online, two expected: the alert comes back, saying so.
    await heartbeat('w-a');
    expect((await summary()).alerts.map((a) => a.code)).not.toContain('no_worker_online');
    await putAlerts({ ...base, minWorkers: 2 });
    const alert = (await summary()).alerts.find((a) => a.code === 'no_worker_online');
    expect(alert?.message).toMatch(/Only 1 transcription worker\(s\) online, 2 expected/);

    // One waiting job over a depth of 0 is a backlog.
    const job = await t.queues.transcription.add('transcribe', {} as never);
    try {
      expect((await summary()).alerts.map((a) => a.code)).not.toContain('queue_backing_up');
      await putAlerts({ ...base, minWorkers: 1, queueDepth: 0 });
      expect((await summary()).alerts.map((a) => a.code)).toEqual(['queue_backing_up']);
    } finally {
      await job.remove();
      await t.redis.del(`${PREFIX}:workers:w-a`);
    }
    const entry = await t.models.AuditLog.findOne({
      where: { action: 'alerts.settings.update' },
      order: [['id', 'DESC']],
    });
    expect(entry!.details).toMatchObject({
      before: { minWorkers: 2, queueDepth: 20 },
      after: { minWorkers: 1, queueDepth: 0 },
    });

    // Reset: the environment's thresholds again.
    const reset = await t.http.delete('/api/admin/alerts').set(as(admin.token));
    expect(reset.status).toBe(200);
    expect(AlertThresholdsView.parse(reset.body)).toMatchObject({
      source: 'environment',
      thresholds: { queueDepth: 20, minWorkers: 1 },
    });
  });
});

describe('system health for people', () => {
  const health = async (token = admin.token) => {
    const res = await t.http.get('/api/admin/health').set(as(token));
    expect(res.status).toBe(200);
    const body = SystemHealth.parse(res.body);
    const by = (key: HealthCheckKey) => body.checks.find((c) => c.key === key)!;
    return { body, by };
  };

  it('gives each part a status, a figure and a reason, and is the admins’ only', async () => {
    await t.http.put('/api/admin/alerts').set(as(admin.token)).send({
      queueDepth: 20,
      oldestWaitingMinutes: 10,
      minWorkers: 1,
      ninjaOneFailureWindowMinutes: 15,
    });
    const { body, by } = await health();
    expect(body.checks.map((c) => c.key)).toEqual([
      'postgres',
      'redis',
      'workers',
      'queues',
      'ninjaone',
      'disk',
    ]);
    expect(by('postgres')).toMatchObject({ status: 'green', unit: 'ms' });
    expect(by('redis')).toMatchObject({ status: 'green', unit: 'ms' });
    expect(by('workers')).toMatchObject({ status: 'red', reason: 'none_online', figure: 0 });
    expect(by('ninjaone')).toMatchObject({ status: 'amber', reason: 'not_configured' });
    expect(by('disk').unit).toBe('percent');
    expect(by('disk').figure).toBeGreaterThan(0);
    expect(by('disk').data).toMatchObject({ path: t.config.storageDir });
    expect(body.status).toBe('red');
    expect((await t.http.get('/api/admin/health').set(as(supervisor))).status).toBe(403);
  });

  it('is red with the error when NinjaOne cannot be reached, green when it answers', async () => {
    const sim = await startNinjaOneSim();
    const settings = (baseUrl: string) =>
      t.http.put('/api/settings/ninjaone').set(as(admin.token)).send({
        region: 'custom',
        baseUrl,
        authMode: 'client_credentials',
        clientId: DEMO_M2M_CLIENT_ID,
        clientSecret: DEMO_M2M_CLIENT_SECRET,
      });
    try {
      expect((await settings(sim.url)).status).toBe(200);
      expect((await health()).by('ninjaone')).toMatchObject({ status: 'green', unit: 'ms' });
    } finally {
      await sim.close();
    }
    // The same host, now down.
    const down = (await health()).by('ninjaone');
    expect(down).toMatchObject({ status: 'red', reason: 'unreachable' });
    expect(down.detail).toBeTruthy();
  });
});

describe('the API document', () => {
  it('describes the settings and health routes', async () => {
    const doc = (await t.http.get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths['/api/admin/retention'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'put',
    ]);
    expect(Object.keys(doc.paths['/api/admin/retention/preview'] ?? {})).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/admin/alerts'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'put',
    ]);
    expect(Object.keys(doc.paths['/api/admin/health'] ?? {})).toEqual(['get']);
  });
});
