import type { ModuleDeps } from '../module-deps';
import type { NinjaOneModule } from '../ninjaone/module';
import { NinjaOneVocabulary } from '../ninjaone/vocabulary';
import type { SettingsRepository } from '../settings/settings.repository';
import type { SettingsStore } from '../settings/settings-store';
import { registerWhisperRoutes } from './whisper.routes';
import { WhisperJobSettings } from './whisper.settings';

export interface WhisperModule {
  /** The settings and vocabulary each transcription job of a call carries. */
  jobSettings: WhisperJobSettings;
  vocabulary: NinjaOneVocabulary;
}

/** The admins' Whisper settings (/admin/whisper) and the NinjaOne vocabulary of each call. */
export function createWhisperModule(
  d: ModuleDeps & {
    settings: SettingsStore;
    secrets: SettingsRepository;
    ninjaone: NinjaOneModule;
  },
): WhisperModule {
  const vocabulary = new NinjaOneVocabulary({
    settings: d.ninjaone.settings,
    matcher: d.ninjaone.matcher,
    directory: d.ninjaone.directory,
    logger: d.logger,
  });
  const jobSettings = new WhisperJobSettings({
    store: d.settings,
    models: d.models,
    vocabulary,
  });
  registerWhisperRoutes(d.routes, { store: d.settings, secrets: d.secrets, audit: d.audit });
  return { jobSettings, vocabulary };
}
