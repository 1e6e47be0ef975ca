import { WhisperSettings, type JobWhisperSettings } from '@cwn/protocol';
import type { Models } from '../db/models';
import type { NinjaOneVocabulary } from '../ninjaone/vocabulary';
import { defineSetting, type SettingsStore } from '../settings/settings-store';

/**
 * The admins' Whisper settings (`whisper.settings`). The environment that gives their defaults is
 * each worker's own (WHISPER_LANGUAGE, WHISPER_PROMPT, …): the server has none of its own, so
 * every field defaults to null, "the worker's value" (decision 1611).
 */
export const WHISPER_SETTING = defineSetting<WhisperSettings>({
  key: 'whisper.settings',
  schema: WhisperSettings,
  fromEnvironment: () => ({
    language: null,
    prompt: null,
    vad: null,
    vadSensitivity: null,
    temperatureInc: null,
    model: null,
    engine: null,
  }),
});

/** The OpenAI-compatible server's API key, sealed (SecretBox) in its own row: write-only. */
export const WHISPER_API_KEY_SETTING = 'whisper.api-key';

/**
 * What a call's transcription jobs carry: the settings in force when it is queued (read at each
 * job, so a change applies to the next call without a restart) and the call's NinjaOne names.
 */
export class WhisperJobSettings {
  constructor(
    private readonly d: {
      store: SettingsStore;
      models: Models;
      vocabulary: Pick<NinjaOneVocabulary, 'forNumber'>;
    },
  ) {}

  async forCall(callId: string): Promise<JobWhisperSettings> {
    const [settings, call] = await Promise.all([
      this.d.store.value(WHISPER_SETTING),
      this.d.models.Call.findByPk(callId, { attributes: ['id', 'remoteNumber'] }),
    ]);
    const vocabulary = await this.d.vocabulary.forNumber(call?.remoteNumber ?? null);
    return { ...settings, ...(vocabulary.length ? { vocabulary } : {}) };
  }
}
