import type { ModuleDeps } from '../module-deps';
import { SecretBox } from './secret-box';
import { SettingsRepository } from './settings.repository';
import { SettingsStore } from './settings-store';

export interface SettingsModule {
  repository: SettingsRepository;
  store: SettingsStore;
}

/** The settings admins change in the admin pages: one typed store the features read and watch. */
export function createSettingsModule(d: ModuleDeps): SettingsModule {
  const repository = new SettingsRepository(d.models, new SecretBox(d.config.keyring));
  return { repository, store: new SettingsStore(repository, d.config, d.logger) };
}
