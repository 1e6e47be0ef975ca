import type { CallsModule } from '../calls/module';
import type { LiveService } from '../live/live.service';
import type { ModuleDeps } from '../module-deps';
import type { NinjaOneModule } from '../ninjaone/module';
import type { RecordingsModule } from '../recordings/module';
import type { TicketsModule } from '../tickets/module';
import type { TranscriptsModule } from '../transcripts/module';
import { PrivacyService } from './privacy.service';
import { registerPrivacyRoutes } from './privacy.routes';
import { Pseudonyms } from './subject';

export interface PrivacyModule {
  service: PrivacyService;
}

/**
 * Privacy: erase or export everything for a phone number, delete one call. It owns no table: it
 * finds what the other modules hold and has each owner delete its own rows.
 */
export function createPrivacyModule(
  d: ModuleDeps & {
    calls: CallsModule;
    /** Live recordings: an open session's audio log and every call's windows. */
    live: LiveService;
    recordings: RecordingsModule;
    transcripts: TranscriptsModule;
    tickets: TicketsModule;
    ninjaone: NinjaOneModule;
  },
): PrivacyModule {
  const service = new PrivacyService({
    sequelize: d.sequelize,
    calls: d.calls.service,
    live: d.live,
    recordings: d.recordings.erasure,
    uploads: d.recordings.uploads,
    transcripts: d.transcripts.service,
    tickets: d.tickets.status,
    audit: d.audit,
    pseudonyms: new Pseudonyms(d.config.keyring.current),
    forgetNinjaOneLookups: () => d.ninjaone.directory.clear(),
    redis: d.redis,
    redisPrefix: d.config.redisPrefix,
    logger: d.logger,
    now: d.now,
  });
  registerPrivacyRoutes(d.routes, {
    privacy: service,
    calls: d.calls.service,
    store: d.recordings.store,
    // National forms are read as the NinjaOne caller match reads them (its settings' region).
    defaultRegion: async () => (await d.ninjaone.settings.view()).phoneRegion,
    logger: d.logger,
  });
  return { service };
}
