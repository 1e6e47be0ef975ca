import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type { Config } from './config';
import { createLogger, logSafeError, type Logger } from './logger';
import { createSequelize } from './db/sequelize';
import { defineModels, type Models } from './db/models';
import { AuditLog } from './audit/audit';
import type { AuthService } from './auth/auth.service';
import type { UsersService } from './users/users.service';
import { createUsersModule, type UsersModule } from './users/module';
import { createAuthenticator, createWorkerAuthenticator } from './http/authenticate';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { RouteTable } from './http/routes';
import { createQueues, type Queues } from './queue/queues';
import { createProbeRedis, createRedis } from './queue/redis';
import { createRealtime, type IoServer } from './realtime/socket';
import { FanOut } from './realtime/fan-out';
import { createMetrics } from './health/metrics';
import { registerHealthRoutes } from './health/health.routes';
import { generateOpenApiDocument } from './openapi/document';
import { requestLogFields, requestLogMessage, responseLogFields } from './http/log-safe-url';
import { httpServerOptions, requestTimeouts } from './http/timeouts';
import {
  createNinjaOneModule,
  type NinjaOneModule,
  type NinjaOneModuleOptions,
} from './ninjaone/module';
import { ROUTE_POLICY } from './http/policy';
import { createCallsModule, type CallsModule } from './calls/module';
import { createRecordingsModule, type RecordingsModule } from './recordings/module';
import { createRetentionModule, type RetentionModule } from './retention/module';
import {
  createTranscriptionEventsModule,
  createTranscriptsModule,
  transcriptReader,
  type TranscriptsModule,
} from './transcripts/module';
import type { TranscriptsService } from './transcripts/transcripts.service';
import type { TranscriptionEvents } from './transcripts/transcription-events';
import {
  createTicketsModule,
  type TicketsModule,
  type TicketsModuleOptions,
} from './tickets/module';
import { defineKioskTokenModel } from './dashboard/kiosk-token.model';
import { KioskTokensService } from './dashboard/kiosk-tokens.service';
import { PresenceStore } from './dashboard/presence-store';
import type { DashboardService } from './dashboard/dashboard.service';
import type { WallboardNotifier } from './dashboard/wallboard-notifier';
import { createDashboardModule, type DashboardModule } from './dashboard/module';
import { AuditQueryService } from './audit/audit.query';
import { registerAuditRoutes } from './audit/audit.routes';
import { QueueAdminService } from './queue/queue-admin.service';
import { registerQueueAdminRoutes } from './queue/queue-admin.routes';
import { createPushModule, type PushModule, type PushModuleOptions } from './push/module';
import { createLiveModule, type LiveModule } from './live/module';
import { createSettingsModule, type SettingsModule } from './settings/module';
import { createHealthModule, type HealthModule } from './health/module';
import { createPrivacyModule, type PrivacyModule } from './privacy/module';
import { createWhisperModule, type WhisperModule } from './whisper/module';

export interface AppOptions {
  logger?: Logger;
  /** Clock for services (tests move it). */
  now?: () => Date;
  /** NinjaOne test hooks (fetch, ticket source, worker on/off). */
  ninjaone?: Pick<NinjaOneModuleOptions, 'fetch'> & TicketsModuleOptions;
  /** Web Push test hooks (an HTTPS agent trusting a fake push service, a shorter timeout). */
  push?: Pick<PushModuleOptions, 'agent' | 'timeoutMs'>;
}

export interface AppInstance {
  app: Express;
  server: Server;
  io: IoServer;
  config: Config;
  logger: Logger;
  sequelize: Sequelize;
  models: Models;
  redis: Redis;
  queues: Queues;
  routes: RouteTable;
  /** Every Socket.IO event the server sends goes out through it (its table: realtime/fan-out.ts). */
  fanOut: FanOut;
  /** The services tests and tools use most, from the modules below. */
  services: {
    auth: AuthService;
    users: UsersService;
    audit: AuditLog;
    transcripts: TranscriptsService;
    dashboard: DashboardService;
    kioskTokens: KioskTokensService;
    presence: PresenceStore;
    wallboard: WallboardNotifier;
  };
  /** The transcripts module's follower of the transcription queue (started by `listen`). */
  transcriptionEvents: TranscriptionEvents;
  users: UsersModule;
  calls: CallsModule;
  recordings: RecordingsModule;
  transcripts: TranscriptsModule;
  ninjaone: NinjaOneModule;
  tickets: TicketsModule;
  dashboard: DashboardModule;
  push: PushModule;
  retention: RetentionModule;
  live: LiveModule;
  settings: SettingsModule;
  health: HealthModule;
  privacy: PrivacyModule;
  whisper: WhisperModule;
  /** Starts listening; resolves with the bound address. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, closes sockets, queues, Redis and the database pool. */
  close(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Builds the whole server (HTTP app, Socket.IO, queues, database handles) without listening, so
 * that tests and the `main` entry share exactly the same wiring. Migrations are not run here.
 */
export function createApp(config: Config, options: AppOptions = {}): AppInstance {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());

  const sequelize = createSequelize(config.databaseUrl, logger);
  const models = defineModels(sequelize);
  const redis = createRedis(config.redisUrl, logger, 'main');
  const probeRedis = createProbeRedis(config.redisUrl, logger);
  const queues = createQueues(redis, config.redisPrefix);
  const audit = new AuditLog(models, now);
  // Both the REST routes and the socket handshake accept kiosk tokens.
  const kioskTokens = new KioskTokensService(defineKioskTokenModel(sequelize), now);
  const presence = new PresenceStore(redis, config.redisPrefix);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id =
          typeof incoming === 'string' && REQUEST_ID.test(incoming)
            ? incoming
            : crypto.randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      // One line per request: method, path (no query string: it carries caller numbers and names),
      // status, response time and request id; no headers.
      serializers: { req: requestLogFields, res: responseLogFields, err: logSafeError },
      customSuccessMessage: (req, res, responseTime) => requestLogMessage(req, res, responseTime),
      customErrorMessage: (req, res) => requestLogMessage(req, res),
    }),
  );
  app.use(requestTimeouts(config.httpTimeouts));
  app.use(helmet());
  app.use(
    cors({
      origin: (origin, cb) => cb(null, !origin || config.corsOrigins.includes(origin)),
      allowedHeaders: [
        'Authorization',
        'Content-Type',
        'X-Request-Id',
        'Idempotency-Key',
        'Upload-Offset',
        'Upload-Length',
      ],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'Location', 'Upload-Offset'],
      maxAge: 600,
    }),
  );
  // JSON bodies are parsed by the route table, per route (uploads read theirs raw).

  // The HTTP server and Socket.IO exist before the routes: modules get the fan-out when built.
  const server = createServer(httpServerOptions(config.httpTimeouts), app);
  const io = createRealtime({
    httpServer: server,
    models,
    jwtSecret: config.jwtSecret,
    corsOrigins: config.corsOrigins,
    redis,
    redisPrefix: config.redisPrefix,
    logger,
    verifyKioskToken: async (token) => {
      const kiosk = await kioskTokens.verify(token);
      return kiosk && { kioskId: kiosk.kioskId };
    },
  });
  const fanOut = new FanOut(io, logger);

  const routes = new RouteTable(
    app,
    createAuthenticator(models, config.jwtSecret),
    ROUTE_POLICY,
    createWorkerAuthenticator(config.workerToken, config.jwtSecret),
    async (token) => Boolean(await kioskTokens.verify(token)),
  );
  const metrics = createMetrics(queues);
  app.use(metrics.middleware);
  registerHealthRoutes(routes, { sequelize, probeRedis, metrics });

  // Feature modules, each building its services, routes and workers; dependencies flow downwards.
  const shared = { config, sequelize, models, redis, queues, routes, fanOut, audit, logger, now };
  const settings = createSettingsModule(shared);
  const users = createUsersModule(shared);
  const calls = createCallsModule({ ...shared, transcriptOf: transcriptReader(sequelize, models) });
  const { lifecycle } = calls;
  const ninjaone = createNinjaOneModule({
    ...shared,
    ticketQueue: queues.tickets,
    fetch: options.ninjaone?.fetch,
  });
  const whisper = createWhisperModule({
    ...shared,
    settings: settings.store,
    secrets: settings.repository,
    ninjaone,
  });
  const recordings = createRecordingsModule({
    ...shared,
    lifecycle,
    jobSettings: (callId) => whisper.jobSettings.forCall(callId),
  });
  const transcripts = createTranscriptsModule({ ...shared, lifecycle });
  const live = createLiveModule({
    ...shared,
    ingest: recordings.ingest,
    audio: recordings.audio,
    recordingWindows: recordings.windows,
    transcripts: transcripts.service,
    jobSettings: (callId) => whisper.jobSettings.forCall(callId),
  });
  // After the live module: window jobs' outcomes go to its service, given here.
  const transcriptionEvents = createTranscriptionEventsModule({
    ...shared,
    transcripts,
    windows: live.service,
  });
  const retention = createRetentionModule({
    ...shared,
    store: recordings.store,
    uploads: recordings.uploads,
    transcripts: transcripts.service,
    liveWindows: live.service,
    settings: settings.store,
  });
  const tickets = createTicketsModule({
    ...shared,
    ninjaone,
    lifecycle,
    ticketSource: options.ninjaone?.ticketSource,
    ticketWorker: options.ninjaone?.ticketWorker,
  });
  const push = createPushModule({ ...shared, ...options.push });
  const privacy = createPrivacyModule({
    ...shared,
    calls,
    live: live.service,
    recordings,
    transcripts,
    tickets,
    ninjaone,
  });
  const dashboard = createDashboardModule({
    ...shared,
    io,
    kioskTokens,
    presence,
    ninjaOneDisconnection: () => ninjaone.settings.disconnection(),
    agentsStreaming: () => live.service.agentsStreaming(),
    settings: settings.store,
  });
  const health = createHealthModule({
    ...shared,
    probeRedis,
    dashboard: dashboard.service,
    ninjaone: {
      view: () => ninjaone.settings.view(),
      probe: () => ninjaone.client.request('GET', '/organizations', { query: { pageSize: 1 } }),
    },
  });
  registerAuditRoutes(routes, new AuditQueryService(models));
  registerQueueAdminRoutes(routes, new QueueAdminService(queues), audit);

  let openApiDoc: unknown;
  routes.handle('openapi', () => (openApiDoc ??= generateOpenApiDocument(config.publicUrl)));
  // Every route of the table in protocol has its handler (a module that forgot one fails here).
  routes.assertComplete();

  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  return {
    app,
    server,
    io,
    config,
    logger,
    sequelize,
    models,
    redis,
    queues,
    routes,
    fanOut,
    services: {
      auth: users.auth,
      users: users.users,
      audit,
      transcripts: transcripts.service,
      dashboard: dashboard.service,
      kioskTokens,
      presence,
      wallboard: dashboard.wallboard,
    },
    transcriptionEvents: transcriptionEvents.events,
    users,
    calls,
    recordings,
    transcripts,
    ninjaone,
    tickets,
    dashboard,
    push,
    retention,
    live,
    settings,
    health,
    privacy,
    whisper,
    listen: (port = config.port, host = config.host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          tickets.start();
          transcriptionEvents.start();
          live.start();
          resolve(server.address() as AddressInfo);
        });
      }),
    close: async () => {
      await live.close();
      await transcriptionEvents.close();
      await push.close();
      dashboard.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      await tickets.close();
      await dashboard.close();
      await queues.close();
      redis.disconnect();
      probeRedis.disconnect();
      await sequelize.close();
    },
  };
}
