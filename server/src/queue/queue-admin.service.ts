import type { Job, Queue } from 'bullmq';
import type { FailedJob, QueueCounts, QueueKey } from '@cwn/protocol';
import { HttpError } from '../http/errors';
import type { Queues } from './queues';

/** What the health page does with the queues: counts, failed jobs, retry or delete one. */
export class QueueAdminService {
  constructor(private readonly queues: Queues) {}

  private queue(key: QueueKey): Queue {
    return this.queues[key] as Queue;
  }

  async overview(): Promise<QueueCounts[]> {
    const keys: QueueKey[] = ['transcription', 'tickets', 'maintenance'];
    return Promise.all(
      keys.map(async (queue) => {
        const c = await this.queue(queue).getJobCounts(
          'waiting',
          'prioritized',
          'active',
          'delayed',
          'failed',
          'completed',
        );
        return {
          queue,
          waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          failed: c.failed ?? 0,
          completed: c.completed ?? 0,
        };
      }),
    );
  }

  async failed(queue: QueueKey, limit: number): Promise<FailedJob[]> {
    const jobs = await this.queue(queue).getJobs(['failed'], 0, limit - 1, false);
    return jobs
      .filter((j): j is Job => Boolean(j?.id))
      .map((j) => ({
        id: j.id!,
        queue,
        name: j.name,
        failedReason: j.failedReason ?? '',
        attemptsMade: j.attemptsMade,
        createdAt: new Date(j.timestamp).toISOString(),
        failedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
        data:
          typeof j.data === 'object' && j.data !== null ? (j.data as Record<string, unknown>) : {},
      }));
  }

  /** Puts a failed job back in the queue, with its attempts counted afresh. */
  async retry(queue: QueueKey, jobId: string): Promise<void> {
    const job = await this.failedJob(queue, jobId);
    await job.retry('failed', { resetAttemptsMade: true });
  }

  async remove(queue: QueueKey, jobId: string): Promise<void> {
    const job = await this.failedJob(queue, jobId);
    await job.remove();
  }

  private async failedJob(queue: QueueKey, jobId: string): Promise<Job> {
    const job = await this.queue(queue).getJob(jobId);
    if (!job) throw HttpError.notFound(`no job ${jobId} in the ${queue} queue`);
    const state = await job.getState();
    if (state !== 'failed')
      throw HttpError.conflict(
        `job ${jobId} is ${state}, not failed: only failed jobs can be retried or deleted`,
      );
    return job;
  }
}
