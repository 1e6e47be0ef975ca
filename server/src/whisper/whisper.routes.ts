import { WhisperSettingsView, type WhisperSettings } from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import { auditSettingsChange } from '../audit/settings-audit';
import type { RouteTable } from '../http/routes';
import type { SettingsRepository } from '../settings/settings.repository';
import type { SettingsStore } from '../settings/settings-store';
import { probeWhisperEngine } from './engine-probe';
import { WHISPER_API_KEY_SETTING, WHISPER_SETTING } from './whisper.settings';

/**
 * The Whisper settings admins change in /admin/whisper (null fields: each worker's environment),
 * the API key of the OpenAI-compatible engine (write-only: sealed, never returned, never audited
 * or logged; decision 1612), and the workers' internal route that hands them that key.
 */
export function registerWhisperRoutes(
  routes: RouteTable,
  deps: { store: SettingsStore; secrets: SettingsRepository; audit: AuditLog },
): void {
  const view = async (): Promise<WhisperSettingsView> => {
    const [s, apiKeySet] = await Promise.all([
      deps.store.read(WHISPER_SETTING),
      deps.secrets.hasSecret(WHISPER_API_KEY_SETTING),
    ]);
    return {
      settings: s.value,
      defaults: s.defaults,
      source: s.source,
      updatedAt: s.updatedAt,
      updatedBy: s.updatedBy,
      apiKeySet,
    };
  };

  routes.handle('getWhisperSettings', view);

  routes.handle('putWhisperSettings', async ({ req, body, user }) => {
    const { apiKey, ...settings } = body;
    const { before, after } = await deps.store.write<WhisperSettings>(
      WHISPER_SETTING,
      settings,
      user!.id,
    );
    const keyChanged = Boolean(apiKey);
    if (apiKey) await deps.secrets.setSecret(WHISPER_API_KEY_SETTING, apiKey, user!.id);
    await auditSettingsChange(deps.audit, {
      req,
      actorId: user!.id,
      group: 'whisper',
      what: 'settings.update',
      // whether the key changed, never the key
      details: { before, after, apiKey: keyChanged ? 'replaced' : 'kept' },
    });
    return view();
  });

  routes.handle('resetWhisperSettings', async ({ req, user }) => {
    const { before, after } = await deps.store.reset(WHISPER_SETTING);
    await auditSettingsChange(deps.audit, {
      req,
      actorId: user!.id,
      group: 'whisper',
      what: 'settings.reset',
      details: { before, after },
    });
    return view();
  });

  routes.handle('deleteWhisperKey', async ({ req, user }) => {
    const had = await deps.secrets.hasSecret(WHISPER_API_KEY_SETTING);
    await deps.secrets.delete(WHISPER_API_KEY_SETTING);
    await auditSettingsChange(deps.audit, {
      req,
      actorId: user!.id,
      group: 'whisper',
      what: 'api-key.remove',
      details: { had },
    });
    return view();
  });

  routes.handle('testWhisper', async ({ body }) => {
    let apiKey = body.apiKey || null;
    if (!apiKey) {
      // the stored key only goes to the URL it was saved for
      const saved = await deps.store.value(WHISPER_SETTING);
      if (saved.engine?.url === body.url)
        apiKey = await deps.secrets.getSecret(WHISPER_API_KEY_SETTING);
    }
    return probeWhisperEngine({ url: body.url, model: body.model, apiKey });
  });

  routes.handle('getWhisperEngineKey', async ({ query, res }) => {
    res.setHeader('Cache-Control', 'no-store');
    const settings = await deps.store.value(WHISPER_SETTING);
    // a job queued before the URL changed never gets the new key sent to the old server
    if (settings.engine?.url !== query.url) return { apiKey: null };
    return { apiKey: await deps.secrets.getSecret(WHISPER_API_KEY_SETTING) };
  });
}
