import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type { AuditLog } from '../audit/audit';
import type { CallLifecycle } from '../calls/lifecycle/call-lifecycle';
import type { Config } from '../config';
import type { Models } from '../db/models';
import type { RouteTable } from '../http/routes';
import type { Logger } from '../logger';
import type { NinjaOneModule } from '../ninjaone/module';
import type { Queues } from '../queue/queues';
import type { FanOut } from '../realtime/fan-out';
import { SqlTicketSource, type TicketSource } from './ticket-source';
import { TicketStatusService } from './ticket-status';
import { TicketService } from './ticket.service';
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
  d: {
    config: Config;
    sequelize: Sequelize;
    models: Models;
    redis: Redis;
    queues: Queues;
    ninjaone: NinjaOneModule;
    lifecycle: CallLifecycle;
    fanOut: FanOut;
    routes: RouteTable;
    audit: AuditLog;
    logger: Logger;
    now: () => Date;
  } & TicketsModuleOptions,
): TicketsModule {
  const { ninjaone } = d;
  const source = d.ticketSource ?? new SqlTicketSource(d.sequelize);
  const service = new TicketService({
    models: d.models,
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
