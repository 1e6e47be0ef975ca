import { WhisperSettings, WhisperSettingsView } from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import { requestMeta } from '../http/request-context';
import type { RouteTable } from '../http/routes';
import type { SettingsStore } from '../settings/settings-store';
import { WHISPER_SETTING } from './whisper.settings';

/** The Whisper settings admins change in /admin/whisper (null fields: each worker's environment). */
export function registerWhisperRoutes(
  routes: RouteTable,
  deps: { store: SettingsStore; audit: AuditLog },
): void {
  const view = async (): Promise<WhisperSettingsView> => {
    const s = await deps.store.read(WHISPER_SETTING);
    return {
      settings: s.value,
      defaults: s.defaults,
      source: s.source,
      updatedAt: s.updatedAt,
      updatedBy: s.updatedBy,
    };
  };

  routes.add(
    {
      method: 'get',
      path: '/api/admin/whisper',
      summary: 'The Whisper settings in force (null: each worker’s environment applies)',
      tags: ['settings'],
      response: WhisperSettingsView,
    },
    view,
  );

  routes.add(
    {
      method: 'put',
      path: '/api/admin/whisper',
      summary: 'Change the Whisper settings; the next call’s jobs carry them',
      tags: ['settings'],
      body: WhisperSettings,
      response: WhisperSettingsView,
    },
    async ({ req, body, user }) => {
      const { before, after } = await deps.store.write(WHISPER_SETTING, body, user!.id);
      await deps.audit.write({
        action: 'whisper.settings.update',
        actorId: user!.id,
        targetType: 'settings',
        targetId: 'whisper',
        details: { before, after },
        ...requestMeta(req),
      });
      return view();
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/admin/whisper',
      summary: 'Forget the stored Whisper settings: each worker’s environment applies again',
      tags: ['settings'],
      response: WhisperSettingsView,
    },
    async ({ req, user }) => {
      const { before, after } = await deps.store.reset(WHISPER_SETTING);
      await deps.audit.write({
        action: 'whisper.settings.reset',
        actorId: user!.id,
        targetType: 'settings',
        targetId: 'whisper',
        details: { before, after },
        ...requestMeta(req),
      });
      return view();
    },
  );
}
