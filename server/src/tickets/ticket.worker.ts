import { DelayedError, UnrecoverableError, Worker, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, TicketJob } from '@cwn/protocol';
import type { Logger } from '../logger';
import { TicketHeldError, type TicketService } from './ticket.service';

/** How long a ticket held for a NinjaOne reconnection waits before it checks again by itself. */
export const TICKET_HOLD_MS = 10 * 60_000;

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
  holdMs?: number;
}): Worker {
  const worker = new Worker(
    QUEUES.tickets,
    async (job, token) => {
      const parsed = TicketJob.safeParse(job.data);
      if (!parsed.success)
        throw new UnrecoverableError(
          `invalid ticket job: ${parsed.error.issues[0]?.message ?? 'bad payload'}`,
        );
      const attempts = job.opts.attempts ?? 1;
      try {
        return await o.service.process(parsed.data, {
          number: job.attemptsMade + 1,
          last: job.attemptsMade + 1 >= attempts,
        });
      } catch (err) {
        if (!(err instanceof TicketHeldError)) throw err;
        // Held, not failed: no attempt is used; released early by releaseHeldTickets.
        await job.moveToDelayed(Date.now() + (o.holdMs ?? TICKET_HOLD_MS), token);
        throw new DelayedError(err.message);
      }
    },
    // Not started here: the app starts it once it listens (after migrations in main).
    { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency ?? 2, autorun: false },
  );
  worker.on('error', (err) => o.logger.warn({ err: err.message }, 'ticket worker error'));
  return worker;
}

/**
 * Runs the waiting ticket jobs now (NinjaOne was just connected again): the held ones, and any
 * waiting out a retry backoff, which may as well go now.
 */
export async function releaseHeldTickets(queue: Queue, logger: Logger): Promise<number> {
  const delayed = await queue.getDelayed();
  let released = 0;
  for (const job of delayed) {
    try {
      await job.promote();
      released += 1;
    } catch (err) {
      // Started or removed meanwhile: nothing to release.
      logger.debug({ jobId: job.id, err: (err as Error).message }, 'ticket job not promoted');
    }
  }
  if (released) logger.info({ released }, 'ticket jobs released after the NinjaOne connection');
  return released;
}
