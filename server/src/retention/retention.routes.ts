import type { AuditLog } from '../audit/audit';
import { auditSettingsChange } from '../audit/settings-audit';
import type { RouteTable } from '../http/routes';
import type { RetentionOverviewService } from './retention-overview';

export function registerRetentionRoutes(
  routes: RouteTable,
  overview: RetentionOverviewService,
  audit: AuditLog,
): void {
  routes.handle('getRetention', () => overview.overview());

  routes.handle('putRetention', async ({ req, body, user }) => {
    const { before, after } = await overview.update(body, user!.id);
    await auditSettingsChange(audit, {
      req,
      actorId: user!.id,
      group: 'retention',
      what: 'settings.update',
      details: { before, after },
    });
    return overview.overview();
  });

  routes.handle('resetRetention', async ({ req, user }) => {
    const { before, after } = await overview.reset();
    await auditSettingsChange(audit, {
      req,
      actorId: user!.id,
      group: 'retention',
      what: 'settings.reset',
      details: { before, after },
    });
    return overview.overview();
  });

  routes.handle('previewRetention', ({ body }) => overview.preview(body.settings));
}
