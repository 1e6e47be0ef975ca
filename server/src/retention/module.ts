import type { ModuleDeps } from '../module-deps';
import type { UploadSessions } from '../recordings/upload-sessions.service';
import type { SettingsStore } from '../settings/settings-store';
import type { EncryptedAudioStore } from '../storage';
import { RetentionOverviewService } from './retention-overview';
import { registerRetentionRoutes } from './retention.routes';
import { RETENTION_SETTING } from './retention.settings';
import { SqlRetentionRecordings } from './retention.repository';
import {
  RetentionService,
  type LiveWindowPurger,
  type TranscriptPurger,
} from './retention.service';

export interface RetentionModule {
  service: RetentionService;
  overview: RetentionOverviewService;
  /** Plans the daily job from the settings in force (the server's start calls it). */
  schedule(): Promise<void>;
}

/**
 * Retention: which audio, transcripts and upload sessions go, the policy admins change in
 * /admin/retention (the settings store; the environment gives its defaults) and its preview.
 */
export function createRetentionModule(
  d: ModuleDeps & {
    store: () => Promise<EncryptedAudioStore>;
    uploads: UploadSessions;
    transcripts: TranscriptPurger;
    /** The live module's windows (segments: transcript text), purged with the transcripts. */
    liveWindows: LiveWindowPurger;
    settings: SettingsStore;
  },
): RetentionModule {
  const service = new RetentionService({
    recordings: new SqlRetentionRecordings(d.models),
    store: d.store,
    audit: d.audit,
    uploads: d.uploads,
    transcripts: d.transcripts,
    liveWindows: d.liveWindows,
    logger: d.logger,
    policy: () => d.settings.value(RETENTION_SETTING),
    now: d.now,
  });
  const overview = new RetentionOverviewService({
    models: d.models,
    maintenance: d.queues.maintenance,
    store: d.settings,
    service,
    now: d.now,
  });
  // A change of hour or time zone moves the daily job now; days are read by each run.
  d.settings.onChange(RETENTION_SETTING, (after) => overview.schedule(after));
  registerRetentionRoutes(d.routes, overview, d.audit);
  return { service, overview, schedule: () => overview.schedule() };
}
