import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import { rooms, type TicketEvent, type TicketJob } from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import type { Config } from '../config';
import type { Models } from '../db/models';
import type { RouteTable } from '../http/routes';
import type { Logger } from '../logger';
import type { IoServer } from '../realtime/socket';
import { toCallDto } from '../calls/call-dto';
import { SecretBox } from '../settings/secret-box';
import { SettingsRepository } from '../settings/settings.repository';
import { SqlTicketSource, type TicketSource } from '../tickets/ticket-source';
import { TicketStatusService } from '../tickets/ticket-status';
import { TicketService } from '../tickets/ticket.service';
import { createTicketWorker, releaseHeldTickets } from '../tickets/ticket.worker';
import { CallerMatcher } from './caller-match';
import { NinjaOneClient } from './client';
import { NinjaOneDirectory } from './directory';
import { registerNinjaOneRoutes } from './ninjaone.routes';
import { NinjaOneConnectFlow } from './oauth-connect';
import { redisRenewalLock } from './renewal-lock';
import { NinjaOneSettingsService } from './settings.service';

export interface NinjaOneModuleOptions {
  config: Config;
  models: Models;
  sequelize: Sequelize;
  redis: Redis;
  ticketQueue: Queue<TicketJob>;
  routes: RouteTable;
  audit: AuditLog;
  logger: Logger;
  now: () => Date;
  /** Tests: a fetch that misbehaves on purpose. */
  fetch?: typeof fetch;
  /** Tests: transcripts from somewhere other than the transcripts table. */
  ticketSource?: TicketSource;
  /** Start the tickets queue consumer (default true). */
  ticketWorker?: boolean;
}

export interface NinjaOneModule {
  settings: NinjaOneSettingsService;
  client: NinjaOneClient;
  directory: NinjaOneDirectory;
  matcher: CallerMatcher;
  tickets: TicketService;
  worker: Worker | null;
  /** Socket.IO comes after the routes: ticket events are emitted once it is attached. */
  attachRealtime(io: IoServer): void;
  /** Starts consuming the tickets queue (the app calls it when it starts listening). */
  start(): void;
  close(): Promise<void>;
}

/** Roles that see every ticket and call event (wallboard, PWA, admin pages). */
const WATCHERS = ['supervisor', 'manager', 'admin'] as const;

/** Everything NinjaOne: settings, client, lookups, connect flow, routes and the ticket worker. */
export function createNinjaOneModule(o: NinjaOneModuleOptions): NinjaOneModule {
  const settings = new NinjaOneSettingsService(
    new SettingsRepository(o.models, new SecretBox(o.config.keyring)),
    o.config.publicUrl,
    o.now,
  );
  const client = new NinjaOneClient({
    credentials: settings,
    logger: o.logger,
    renewalLock: redisRenewalLock(o.redis, `${o.config.redisPrefix}:ninjaone:token-renewal`),
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  const directory = new NinjaOneDirectory(client, { logger: o.logger });
  settings.onChange(() => directory.clear());
  const matcher = new CallerMatcher(directory);
  const connect = new NinjaOneConnectFlow(settings, client, o.redis, o.config.redisPrefix, () =>
    releaseHeldTickets(o.ticketQueue, o.logger),
  );

  let io: IoServer | null = null;
  const notify = (
    event: 'ticket.created' | 'ticket.failed',
    payload: TicketEvent,
    userIds: string[],
  ) => {
    if (!io) return;
    const targets = [...userIds.map(rooms.user), ...WATCHERS.map(rooms.role)];
    io.to(targets).emit(event, payload);
  };
  const source = o.ticketSource ?? new SqlTicketSource(o.sequelize);
  const tickets = new TicketService({
    models: o.models,
    client,
    directory,
    matcher,
    source,
    publicUrl: o.config.publicUrl,
    logger: o.logger,
    notify,
    callUpdated: (call) => {
      const targets = [rooms.user(call.agentId), ...WATCHERS.map(rooms.role)];
      io?.to(targets).emit('call.updated', toCallDto(call));
    },
    now: o.now,
  });
  const ticketStatus = new TicketStatusService(o.models, o.ticketQueue, async () => {
    try {
      return (await settings.resolve()).baseUrl;
    } catch {
      return null;
    }
  });
  registerNinjaOneRoutes(o.routes, {
    ticketStatus,
    source,
    settings,
    client,
    directory,
    matcher,
    connect,
    audit: o.audit,
    publicUrl: o.config.publicUrl,
    logger: o.logger,
  });

  const worker =
    o.ticketWorker === false
      ? null
      : createTicketWorker({
          connection: o.redis,
          prefix: o.config.redisPrefix,
          service: tickets,
          logger: o.logger,
        });

  return {
    settings,
    client,
    directory,
    matcher,
    tickets,
    worker,
    attachRealtime: (server) => {
      io = server;
    },
    start: () => {
      if (worker && !worker.isRunning()) {
        worker.run().catch((err: unknown) => o.logger.error({ err }, 'ticket worker stopped'));
      }
    },
    close: async () => {
      await worker?.close();
    },
  };
}
