import type { Worker } from 'bullmq';
import type { ModuleDeps } from '../module-deps';
import type { CallLifecycle } from '../calls/lifecycle/call-lifecycle';
import type { NinjaOneModule } from '../ninjaone/module';
import { SqlTicketSource, type TicketSource } from './ticket-source';
import { TicketStatusService } from './ticket-status';
import { TicketService } from './ticket.service';
import { SqlTicketRepository } from './ticket.repository';
import { createTicketWorker } from './ticket.worker';
import { registerTicketRoutes } from './tickets.routes';

export interface TicketsModuleOptions {
  /** Tests: transcripts from somewhere other than the transcripts table. */
  ticketSource?: TicketSource;
  /** Start the tickets queue consumer (default true). */
  ticketWorker?: boolean;
}

export interface TicketsModule {
  service: TicketService;
  status: TicketStatusService;
  source: TicketSource;
  worker: Worker | null;
  /** Starts consuming the tickets queue (the app calls it when it starts listening). */
  start(): void;
  close(): Promise<void>;
}

/** Tickets: one NinjaOne ticket per validated transcript (the worker), its status and retry routes. */
export function createTicketsModule(
  d: ModuleDeps & {
    ninjaone: NinjaOneModule;
    lifecycle: CallLifecycle;
  } & TicketsModuleOptions,
): TicketsModule {
  const { ninjaone } = d;
  const source = d.ticketSource ?? new SqlTicketSource(d.sequelize);
  const service = new TicketService({
    tickets: new SqlTicketRepository(d.models),
    client: ninjaone.client,
    directory: ninjaone.directory,
    matcher: ninjaone.matcher,
    source,
    publicUrl: d.config.publicUrl,
    logger: d.logger,
    // The user ids are the requester and the call's agent.
    notify: (event, payload, userIds) => d.fanOut.publish(event, payload, { userIds }),
    lifecycle: d.lifecycle,
    now: d.now,
  });
  const status = new TicketStatusService(d.models, d.queues.tickets, async () => {
    try {
      return (await ninjaone.settings.resolve()).baseUrl;
    } catch {
      return null;
    }
  });
  registerTicketRoutes(d.routes, {
    ticketStatus: status,
    source,
    settings: ninjaone.settings,
    audit: d.audit,
    publicUrl: d.config.publicUrl,
  });
  const worker =
    d.ticketWorker === false
      ? null
      : createTicketWorker({
          connection: d.redis,
          prefix: d.config.redisPrefix,
          service,
          logger: d.logger,
        });
  return {
    service,
    status,
    source,
    worker,
    start: () => {
      if (worker && !worker.isRunning()) {
        worker.run().catch((err: unknown) => d.logger.error({ err }, 'ticket worker stopped'));
      }
    },
    close: async () => {
      await worker?.close();
    },
  };
}
