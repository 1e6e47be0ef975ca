import { AlertThresholdsView } from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import { auditSettingsChange } from '../audit/settings-audit';
import type { RouteTable } from '../http/routes';
import type { SettingsStore } from '../settings/settings-store';
import { ALERT_THRESHOLDS_SETTING } from './alerts';
import type { WallboardNotifier } from './wallboard-notifier';

/** The alert thresholds admins change in /admin/alerts (the environment gives the defaults). */
export function registerAlertRoutes(
  routes: RouteTable,
  deps: { store: SettingsStore; audit: AuditLog; wallboard: WallboardNotifier },
): void {
  const view = async (): Promise<AlertThresholdsView> => {
    const s = await deps.store.read(ALERT_THRESHOLDS_SETTING);
    return {
      thresholds: s.value,
      defaults: s.defaults,
      source: s.source,
      updatedAt: s.updatedAt,
      updatedBy: s.updatedBy,
    };
  };

  routes.handle('getAlertSettings', view);

  routes.handle('putAlertSettings', async ({ req, body, user }) => {
    const { before, after } = await deps.store.write(ALERT_THRESHOLDS_SETTING, body, user!.id);
    await auditSettingsChange(deps.audit, {
      req,
      actorId: user!.id,
      group: 'alerts',
      what: 'settings.update',
      details: { before, after },
    });
    // The wallboards refetch their summary: its alerts may have changed.
    deps.wallboard.notify('queue');
    return view();
  });

  routes.handle('resetAlertSettings', async ({ req, user }) => {
    const { before, after } = await deps.store.reset(ALERT_THRESHOLDS_SETTING);
    await auditSettingsChange(deps.audit, {
      req,
      actorId: user!.id,
      group: 'alerts',
      what: 'settings.reset',
      details: { before, after },
    });
    deps.wallboard.notify('queue');
    return view();
  });
}
