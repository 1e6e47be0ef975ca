import type { ModuleDeps } from '../module-deps';
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
export function createRetentionModule(
  d: ModuleDeps & {
    store: () => Promise<EncryptedAudioStore>;
    uploads: UploadSessions;
    transcripts: TranscriptPurger;
  },
): RetentionModule {
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
