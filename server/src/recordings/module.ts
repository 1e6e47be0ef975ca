import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type { AuditLog } from '../audit/audit';
import { CallEvents } from '../calls/call-events';
import { registerCallRoutes } from '../calls/calls.routes';
import { CallsService } from '../calls/calls.service';
import type { Config } from '../config';
import type { Models } from '../db/models';
import type { RouteTable } from '../http/routes';
import type { Logger } from '../logger';
import type { Queues } from '../queue/queues';
import type { IoServer } from '../realtime/socket';
import { RetentionService } from '../retention/retention.service';
import { EncryptedAudioStore, LocalBlobStore } from '../storage';
import { registerAudioRoutes } from './audio.routes';
import { RecordingAudio } from './audio.service';
import { RecordingIngest } from './ingest.service';
import { TranscriptionQueue } from './transcription-queue';
import { registerUploadRoutes } from './upload.routes';
import { UploadSessions } from './upload-sessions.service';
import { UploadStaging } from './upload-staging';

export interface CallsAndRecordings {
  calls: CallsService;
  events: CallEvents;
  ingest: RecordingIngest;
  uploads: UploadSessions;
  audio: RecordingAudio;
  retention: RetentionService;
  /** The encrypted audio store (opened on first use: it creates STORAGE_DIR). */
  store: () => Promise<EncryptedAudioStore>;
  registerRoutes(routes: RouteTable): void;
  attach(io: IoServer): void;
}

/** Wires the calls, recordings and retention services (issue 3) onto the app's shared handles. */
export function createCallsAndRecordings(d: {
  config: Config;
  sequelize: Sequelize;
  models: Models;
  redis: Redis;
  queues: Queues;
  audit: AuditLog;
  logger: Logger;
  now: () => Date;
}): CallsAndRecordings {
  const { config } = d;
  let opening: Promise<EncryptedAudioStore> | undefined;
  const store = () =>
    (opening ??= LocalBlobStore.open(config.storageDir).then(
      (blobs) => new EncryptedAudioStore(blobs, config.keyring),
    ));
  const keyId = config.keyring.current.id;
  const events = new CallEvents();
  const calls = new CallsService(d.models, events, d.now, { defaultCountryCode: config.defaultCountryCode });
  const ingest = new RecordingIngest({
    sequelize: d.sequelize,
    models: d.models,
    store,
    queue: new TranscriptionQueue(d.queues.transcription),
    events,
    audit: d.audit,
    logger: d.logger,
    maxRecordingSeconds: config.maxRecordingSeconds,
    keyId,
    now: d.now,
  });
  const uploads = new UploadSessions({
    models: d.models,
    redis: d.redis,
    redisPrefix: config.redisPrefix,
    staging: new UploadStaging(config.storageDir, config.keyring),
    ingest,
    logger: d.logger,
    keyId,
    maxRecordingSeconds: config.maxRecordingSeconds,
    ttlHours: config.uploadSessionTtlHours,
    now: d.now,
  });
  const audio = new RecordingAudio(d.models, store, d.logger);
  const retention = new RetentionService({
    models: d.models,
    store,
    audit: d.audit,
    uploads,
    logger: d.logger,
    audioDays: config.retention.audioDays,
    transcriptDays: config.retention.transcriptDays,
    now: d.now,
  });
  return {
    calls,
    events,
    ingest,
    uploads,
    audio,
    retention,
    store,
    registerRoutes(routes) {
      registerCallRoutes(routes, calls);
      registerUploadRoutes(routes, ingest, uploads, config.maxRecordingSeconds);
      registerAudioRoutes(routes, audio, d.audit, { redis: d.redis, prefix: config.redisPrefix });
    },
    attach: (io) => events.attach(io),
  };
}
