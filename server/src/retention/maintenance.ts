import { Worker, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES } from '@cwn/protocol';
import type { Logger } from '../logger';
import type { RetentionService } from './retention.service';

export const RETENTION_SCHEDULER_ID = 'retention-daily';
export const RETENTION_JOB = 'retention';

/** Cron pattern of the daily retention run at `hour` (in the schedule's time zone). */
export const retentionPattern = (hour: number) => `0 ${hour} * * *`;

/**
 * Registers (or moves) the repeatable daily retention job at `hour` in `timeZone` (default: the
 * server's); safe to call at every start and at every change of the retention settings: the
 * scheduler's next run follows at once.
 */
export async function scheduleRetention(
  queue: Queue,
  hour: number,
  timeZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone,
): Promise<void> {
  await queue.upsertJobScheduler(
    RETENTION_SCHEDULER_ID,
    { pattern: retentionPattern(hour), tz: timeZone },
    { name: RETENTION_JOB, data: {} },
  );
}

/**
 * The server's consumer of the `maintenance` queue (retention today). It needs a connection of
 * its own (BullMQ workers block on Redis), duplicated from `redis`.
 */
export function startMaintenanceWorker(o: {
  redis: Redis;
  prefix: string;
  retention: RetentionService;
  logger: Logger;
}): Worker {
  const connection = o.redis.duplicate();
  const worker = new Worker(
    QUEUES.maintenance,
    async (job) => {
      if (job.name === RETENTION_JOB) return o.retention.run();
      throw new Error(`unknown maintenance job "${job.name}"`);
    },
    { connection, prefix: o.prefix, concurrency: 1 },
  );
  // A connection we pass in is ours to close.
  worker.on('closed', () => connection.disconnect());
  worker.on('failed', (job, err) =>
    o.logger.error({ err, job: job?.name }, 'maintenance job failed'),
  );
  worker.on('error', (err) => o.logger.warn({ err: err.message }, 'maintenance worker error'));
  return worker;
}
