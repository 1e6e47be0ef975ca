import type { AuditLog } from '../audit/audit';
import type { Config } from '../config';
import type { Models } from '../db/models';
import type { RouteTable } from '../http/routes';
import type { Logger } from '../logger';
import type { Queues } from '../queue/queues';
import type { UploadSessions } from '../recordings/upload-sessions.service';
import type { EncryptedAudioStore } from '../storage';
import { RetentionOverviewService } from './retention-overview';
import { registerRetentionRoutes } from './retention.routes';
import { RetentionService, type TranscriptPurger } from './retention.service';

export interface RetentionModule {
  service: RetentionService;
  overview: RetentionOverviewService;
}

/** Retention: which audio, transcripts and upload sessions go, and the admin overview of it. */
export function createRetentionModule(d: {
  config: Config;
  models: Models;
  queues: Queues;
  store: () => Promise<EncryptedAudioStore>;
  uploads: UploadSessions;
  transcripts: TranscriptPurger;
  routes: RouteTable;
  audit: AuditLog;
  logger: Logger;
  now: () => Date;
}): RetentionModule {
  const service = new RetentionService({
    models: d.models,
    store: d.store,
    audit: d.audit,
    uploads: d.uploads,
    transcripts: d.transcripts,
    logger: d.logger,
    audioDays: d.config.retention.audioDays,
    transcriptDays: d.config.retention.transcriptDays,
    now: d.now,
  });
  const overview = new RetentionOverviewService({
    models: d.models,
    maintenance: d.queues.maintenance,
    policy: d.config.retention,
  });
  registerRetentionRoutes(d.routes, overview);
  return { service, overview };
}
