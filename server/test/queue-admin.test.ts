import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { DashboardSummary, FailedJobList, QUEUES, QueueOverview } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { TEST_REDIS_URL } from '@cwn/test-support/services';

// Its own Redis prefix: the queues here hold only this file's jobs.
const PREFIX = `${process.env.CWN_TEST_REDIS_PREFIX}-qadm${process.pid}`;
let t: TestApp;
let token: string;
let workerRedis: Redis;
let worker: Worker;

beforeAll(async () => {
  // the app's own tickets worker would take the jobs this test fails on purpose
  t = await startTestApp({ REDIS_PREFIX: PREFIX }, { ninjaone: { ticketWorker: false } });
  token = (await t.userWithRole('admin')).accessToken;
  workerRedis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  // A tickets consumer that always fails, as when NinjaOne answers 500.
  worker = new Worker(
    QUEUES.tickets,
    async (): Promise<unknown> => {
      throw new Error('NinjaOne answered 500');
    },
    { connection: workerRedis, prefix: PREFIX },
  );
});
afterAll(async () => {
  await worker.close();
  workerRedis.disconnect();
  await t.close();
});

const as = <T extends { set: (k: string, v: string) => T }>(r: T) =>
  r.set('Authorization', `Bearer ${token}`);
const ticketJob = {
  transcriptId: '00000000-0000-4000-8000-00000000000a',
  callId: '00000000-0000-4000-8000-00000000000b',
  requestedBy: '00000000-0000-4000-8000-00000000000c',
  organizationId: null,
};

async function failOne(): Promise<string> {
  const failed = new Promise<string>((resolve) =>
    worker.once('failed', (job) => resolve(job!.id!)),
  );
  await t.queues.tickets.add('ticket', ticketJob, { attempts: 1 });
  return failed;
}

describe('admin queues', () => {
  it('lists failed jobs, retries one and deletes another; the wallboard raises "NinjaOne failing"', async () => {
    const first = await failOne();
    const second = await failOne();

    const overview = QueueOverview.parse((await as(t.http.get('/api/admin/queues'))).body);
    expect(overview.queues.find((q) => q.queue === 'tickets')).toMatchObject({ failed: 2 });

    const list = FailedJobList.parse(
      (await as(t.http.get('/api/admin/queues/tickets/failed'))).body,
    );
    expect(list.items.map((j) => j.id).sort()).toEqual([first, second].sort());
    expect(list.items[0]).toMatchObject({
      failedReason: 'NinjaOne answered 500',
      attemptsMade: 1,
      data: ticketJob,
    });

    const summary = DashboardSummary.parse((await as(t.http.get('/api/dashboard/summary'))).body);
    expect(summary.alerts.map((a) => a.code)).toContain('ninjaone_failing');

    // Retry: the job runs again (and fails again here); delete: it is gone.
    const again = new Promise<string>((resolve) =>
      worker.once('failed', (job) => resolve(job!.id!)),
    );
    expect((await as(t.http.post(`/api/admin/queues/tickets/jobs/${first}/retry`))).status).toBe(
      204,
    );
    expect(await again).toBe(first);
    expect((await as(t.http.delete(`/api/admin/queues/tickets/jobs/${second}`))).status).toBe(204);
    expect(await t.queues.tickets.getJob(second)).toBeUndefined();
    const audit = await t.models.AuditLog.findAll({ where: { targetType: 'job:tickets' } });
    expect(audit.map((a) => `${a.action} ${a.targetId}`).sort()).toEqual(
      [`queue.job_delete ${second}`, `queue.job_retry ${first}`].sort(),
    );
  });

  it('answers 404 for an unknown job, 409 for one that has not failed, 400 for an unknown queue', async () => {
    expect((await as(t.http.post('/api/admin/queues/tickets/jobs/999999/retry'))).status).toBe(404);
    const waiting = await t.queues.transcription.add('transcribe', {
      recordingId: '00000000-0000-4000-8000-00000000000a',
      callId: '00000000-0000-4000-8000-00000000000b',
      channels: 2,
      durationMs: 1000,
      languageHint: null,
    });
    const res = await as(t.http.delete(`/api/admin/queues/transcription/jobs/${waiting.id}`));
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/is waiting, not failed/);
    expect(await t.queues.transcription.getJob(waiting.id!)).toBeDefined();
    expect((await as(t.http.get('/api/admin/queues/nope/failed'))).status).toBe(400);
  });
});
