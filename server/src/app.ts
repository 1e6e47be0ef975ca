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
import { AuthService } from './auth/auth.service';
import { registerAuthRoutes } from './auth/auth.routes';
import { UsersService } from './users/users.service';
import { registerUserRoutes } from './users/users.routes';
import { createAuthenticator } from './http/authenticate';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { createLoginLimiter } from './http/login-limiter';
import { RouteTable } from './http/routes';
import { createQueues, type Queues } from './queue/queues';
import { createProbeRedis, createRedis } from './queue/redis';
import { createRealtime, type IoServer } from './realtime/socket';
import { createMetrics } from './health/metrics';
import { registerHealthRoutes } from './health/health.routes';
import { createOpenApiRegistry, generateOpenApiDocument } from './openapi/document';
import { requestLogFields, requestLogMessage, responseLogFields } from './http/log-safe-url';
import { httpServerOptions, requestTimeouts } from './http/timeouts';
import { createNinjaOneModule, type NinjaOneModule, type NinjaOneModuleOptions } from './ninjaone/module';
import { createWorkerAuthenticator } from './http/authenticate';
import { ROUTE_POLICY } from './http/policy';
import { createCallsAndRecordings, type CallsAndRecordings } from './recordings/module';
import { TranscriptsRepository } from './transcripts/transcripts.repository';
import { TranscriptsService } from './transcripts/transcripts.service';
import { TranscriptNotifier } from './transcripts/transcript-notifier';
import { TranscriptionEvents } from './transcripts/transcription-events';
import { registerTranscriptRoutes } from './transcripts/transcripts.routes';
import { IdempotencyStore } from './http/idempotency';
import { defineKioskTokenModel } from './dashboard/kiosk-token.model';
import { KioskTokensService } from './dashboard/kiosk-tokens.service';
import { PresenceStore } from './dashboard/presence-store';
import { callPresencePublisher } from './dashboard/call-presence';
import { DashboardService } from './dashboard/dashboard.service';
import { registerDashboardRoutes } from './dashboard/dashboard.routes';
import { WallboardNotifier } from './dashboard/wallboard-notifier';
import { AuditQueryService } from './audit/audit.query';
import { registerAuditRoutes } from './audit/audit.routes';
import { QueueAdminService } from './queue/queue-admin.service';
import { registerQueueAdminRoutes } from './queue/queue-admin.routes';
import { RetentionOverviewService } from './retention/retention-overview';
import { registerRetentionRoutes } from './retention/retention.routes';
import { createPushModule, type PushModule, type PushModuleOptions } from './push/module';

export interface AppOptions {
  logger?: Logger;
  /** Clock for services (tests move it). */
  now?: () => Date;
  /** NinjaOne test hooks (fetch, ticket source, worker on/off). */
  ninjaone?: Pick<NinjaOneModuleOptions, 'fetch' | 'ticketSource' | 'ticketWorker'>;
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
  services: {
    auth: AuthService;
    users: UsersService;
    audit: AuditLog;
    transcripts: TranscriptsService;
    dashboard: DashboardService;
    kioskTokens: KioskTokensService;
    presence: PresenceStore;
    /** Call `wallboard.notify('calls' | 'transcripts' | 'tickets')` after changing those tables. */
    wallboard: WallboardNotifier;
  };
  /** Follows the transcription queue; started by `listen` (after migrations), stopped by `close`. */
  transcriptionEvents: TranscriptionEvents;
  ninjaone: NinjaOneModule;
  /** Calls, recordings (upload, audio, queue) and retention (issue 3). */
  recordings: CallsAndRecordings;
  /** Web Push "transcript ready" (issue 8); its sender is null without VAPID keys. */
  push: PushModule;
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
  const users = new UsersService(models);
  const auth = new AuthService(models, audit, config, now);
  const kioskTokens = new KioskTokensService(defineKioskTokenModel(sequelize), now);
  const presence = new PresenceStore(redis, config.redisPrefix);
  const dashboard = new DashboardService({
    sequelize,
    models,
    redis,
    redisPrefix: config.redisPrefix,
    queues,
    presence,
    now,
    // The NinjaOne module owns the connection; it is built further down (read per request).
    ninjaOneDisconnection: () => ninjaone.settings.disconnection(),
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
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
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'Idempotency-Key', 'Upload-Offset', 'Upload-Length'],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'Location', 'Upload-Offset'],
      maxAge: 600,
    }),
  );
  // JSON bodies are parsed by the route table, per route (uploads read theirs raw).

  const registry = createOpenApiRegistry();
  const routes = new RouteTable(
    app,
    createAuthenticator(models, config.jwtSecret),
    registry,
    ROUTE_POLICY,
    createWorkerAuthenticator(config.workerToken, config.jwtSecret),
    async (token) => Boolean(await kioskTokens.verify(token)),
  );
  const metrics = createMetrics(queues);
  app.use(metrics.middleware);

  registerHealthRoutes(routes, { sequelize, probeRedis, metrics });
  registerAuthRoutes(
    routes,
    auth,
    users,
    createLoginLimiter({
      redis,
      prefix: config.redisPrefix,
      max: config.loginRateLimit.max,
      windowSeconds: config.loginRateLimit.windowSeconds,
    }),
  );
  registerUserRoutes(routes, users, audit);
  const ninjaone = createNinjaOneModule({ config, models, sequelize, redis, ticketQueue: queues.tickets, routes, audit, logger, now, ...options.ninjaone });
  const recordings = createCallsAndRecordings({ config, sequelize, models, redis, queues, audit, logger, now });
  recordings.registerRoutes(routes);

  // Socket.IO is created with the HTTP server below; the notifier reads it when it first emits.
  const transcriptNotifier = new TranscriptNotifier(() => io);
  const transcripts = new TranscriptsService(
    new TranscriptsRepository(sequelize, models),
    queues.tickets,
    transcriptNotifier,
    logger,
    now,
  );
  registerTranscriptRoutes(routes, transcripts, audit, new IdempotencyStore(redis, config.redisPrefix, logger));
  const push = createPushModule({ config, sequelize, models, logger, now, ...options.push });
  push.registerRoutes(routes);
  if (push.sender) {
    const sender = push.sender;
    transcriptNotifier.onReady((agentId, event) => sender.transcriptReady(agentId, event.callId));
  }
  recordings.retention.setTranscriptPurger(transcripts);
  recordings.calls.setTranscriptSource((callId) => transcripts.findByCallId(callId));
  const transcriptionEvents = new TranscriptionEvents({
    queue: queues.transcription,
    connection: redis,
    service: transcripts,
    notifier: transcriptNotifier,
    logger,
  });
  // eslint-disable-next-line prefer-const -- io is created after the routes, with the HTTP server
  let io: IoServer;
  const wallboard = new WallboardNotifier(() => io, logger);
  registerDashboardRoutes(routes, { dashboard, kioskTokens, audit, io: () => io });
  registerAuditRoutes(routes, new AuditQueryService(models));
  registerQueueAdminRoutes(routes, new QueueAdminService(queues), audit);
  registerRetentionRoutes(
    routes,
    new RetentionOverviewService({ models, maintenance: queues.maintenance, policy: config.retention }),
  );

  let openApiDoc: unknown;
  routes.add(
    { method: 'get', path: '/api/openapi.json', summary: 'This API, as OpenAPI 3.1', tags: ['meta'] },
    () => (openApiDoc ??= generateOpenApiDocument(registry, config.publicUrl)),
  );

  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  const server = createServer(httpServerOptions(config.httpTimeouts), app);
  io = createRealtime({
    httpServer: server,
    models,
    jwtSecret: config.jwtSecret,
    corsOrigins: config.corsOrigins,
    redis,
    redisPrefix: config.redisPrefix,
    logger,
    presence,
    verifyKioskToken: async (token) => {
      const kiosk = await kioskTokens.verify(token);
      return kiosk && { kioskId: kiosk.kioskId };
    },
  });
  ninjaone.attachRealtime(io);
  recordings.attach(io);
  // The wallboard follows calls the extension reports (it has no socket to send presence itself).
  recordings.events.onCall(callPresencePublisher(presence, () => io, logger, now));
  // …and refetches today's figures when a call starts, changes or ends.
  recordings.events.onCall(() => wallboard.notify('calls'));

  wallboard.watchQueues(redis, config.redisPrefix);

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
    services: { auth, users, audit, transcripts, dashboard, kioskTokens, presence, wallboard },
    transcriptionEvents,
    ninjaone,
    recordings,
    push,
    listen: (port = config.port, host = config.host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          ninjaone.start();
          transcriptionEvents.start().catch((err: unknown) => logger.error({ err }, 'transcription events failed to start'));
          resolve(server.address() as AddressInfo);
        });
      }),
    close: async () => {
      await transcriptionEvents.close();
      await push.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      await ninjaone.close();
      await wallboard.close();
      await queues.close();
      redis.disconnect();
      probeRedis.disconnect();
      await sequelize.close();
    },
  };
}
