import { randomBytes } from 'node:crypto';
import { RetentionOverview } from '@cwn/protocol';
import { RETENTION_SCHEDULER_ID, scheduleRetention } from '../src/retention/maintenance';
import { callMeta, makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { migratedDatabase } from '@cwn/test-support/services';

const DAY = 86_400_000;
let t: TestApp;
let db: Awaited<ReturnType<typeof migratedDatabase>>;
const tokens: Record<'admin' | 'supervisor' | 'manager' | 'agent', string> = {
  admin: '',
  supervisor: '',
  manager: '',
  agent: '',
};
const realStart = Date.now();
let now = new Date(realStart);

// The last run is read from the audit log and the next one from the queue's scheduler: a database
// and Redis prefix of its own, so other test files' retention runs and schedules are not seen.
beforeAll(async () => {
  db = await migratedDatabase('retention_overview');
  t = await startTestApp(
    {
      DATABASE_URL: db.url,
      REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-ret-${randomBytes(4).toString('hex')}`,
      RETENTION_DAYS: '45',
      TRANSCRIPT_RETENTION_DAYS: '400',
      RETENTION_HOUR: '4',
    },
    { now: () => now },
  );
  for (const role of ['admin', 'supervisor', 'manager', 'agent'] as const)
    tokens[role] = (await t.userWithRole(role)).accessToken;
}, 30_000);

afterAll(async () => {
  await t?.queues.maintenance.removeJobScheduler(RETENTION_SCHEDULER_ID);
  await t?.close();
  await db?.drop();
});

const get = (token?: string) => {
  const req = t.http.get('/api/admin/retention');
  return token ? req.set('Authorization', `Bearer ${token}`) : req;
};

/** The next `hour`:00 in the server's time zone after `from`. */
function nextAt(hour: number, from: Date): Date {
  const d = new Date(from);
  d.setHours(hour, 0, 0, 0);
  if (d.getTime() <= from.getTime()) d.setDate(d.getDate() + 1);
  return d;
}

describe('GET /api/admin/retention', () => {
  it('shows the environment policy, no next run before a server schedules it, and no last run yet', async () => {
    const res = await get(tokens.admin);
    expect(res.status).toBe(200);
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const policy = { audioDays: 45, transcriptDays: 400, hour: 4, timeZone };
    expect(RetentionOverview.parse(res.body)).toEqual({
      ...policy,
      source: 'environment',
      updatedAt: null,
      updatedBy: null,
      defaults: policy,
      nextRunAt: null,
    });
  });

  it('lets admins and supervisors read it, not managers, agents or anonymous callers', async () => {
    expect((await get(tokens.supervisor)).status).toBe(200);
    expect((await get(tokens.manager)).status).toBe(403);
    expect((await get(tokens.agent)).status).toBe(403);
    expect((await get()).status).toBe(401);
  });

  it('takes the next purge time from the maintenance queue scheduler', async () => {
    await scheduleRetention(t.queues.maintenance, t.config.retention.hour);
    const before = new Date();
    const body = RetentionOverview.parse((await get(tokens.admin)).body);
    expect(body.nextRunAt).toBe(nextAt(4, before).toISOString());

    // A schedule moved to another hour (the settings changed) shows at once.
    await scheduleRetention(t.queues.maintenance, 22);
    const moved = RetentionOverview.parse((await get(tokens.supervisor)).body);
    expect(moved.nextRunAt).toBe(nextAt(22, before).toISOString());
  });

  it('reports the last real run with its counts from the audit log; dry runs do not count', async () => {
    now = new Date(realStart - 50 * DAY);
    const wav = makeWav({ frames: 1600 });
    expect(
      (await upload(t, tokens.agent, wav, { ...callMeta(), sha256: sha256(wav) })).status,
    ).toBe(201);
    now = new Date(realStart);

    await t.retention.service.run({ dryRun: true });
    expect(RetentionOverview.parse((await get(tokens.admin)).body).lastRun).toBeUndefined();

    const report = await t.retention.service.run();
    expect(report.audioPurged).toBe(1);
    const body = RetentionOverview.parse((await get(tokens.admin)).body);
    expect(body.lastRun).toEqual({
      at: new Date(realStart).toISOString(),
      audioPurged: 1,
      transcriptsPurged: 0,
    });

    // The next run counts nothing new, and the page shows that latest run.
    now = new Date(realStart + 60_000);
    await t.retention.service.run();
    expect(RetentionOverview.parse((await get(tokens.admin)).body).lastRun).toEqual({
      at: new Date(realStart + 60_000).toISOString(),
      audioPurged: 0,
      transcriptsPurged: 0,
    });
  });
});
