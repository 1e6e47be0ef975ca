import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, TicketJob } from '@cwn/protocol';
import type { Logger } from '../logger';
import type { TicketService } from './ticket.service';

/**
 * The server-side consumer of the `tickets` queue (jobId = transcriptId, queued at validation).
 * The payload is validated here; the work is TicketService's.
 */
export function createTicketWorker(o: {
  connection: Redis;
  prefix: string;
  service: TicketService;
  logger: Logger;
  concurrency?: number;
}): Worker {
  const worker = new Worker(
    QUEUES.tickets,
    async (job) => {
      const parsed = TicketJob.safeParse(job.data);
      if (!parsed.success)
        throw new UnrecoverableError(
          `invalid ticket job: ${parsed.error.issues[0]?.message ?? 'bad payload'}`,
        );
      const attempts = job.opts.attempts ?? 1;
      return o.service.process(parsed.data, {
        number: job.attemptsMade + 1,
        last: job.attemptsMade + 1 >= attempts,
      });
    },
    // Not started here: the app starts it once it listens (after migrations in main).
    { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency ?? 2, autorun: false },
  );
  worker.on('error', (err) => o.logger.warn({ err: err.message }, 'ticket worker error'));
  return worker;
}
