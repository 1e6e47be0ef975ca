import type { AuditLog } from '../audit/audit';
import { requestMeta } from '../http/request-context';
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
    await audit.write({
      action: 'retention.settings.update',
      actorId: user!.id,
      targetType: 'settings',
      targetId: 'retention',
      details: { before, after },
      ...requestMeta(req),
    });
    return overview.overview();
  });

  routes.handle('resetRetention', async ({ req, user }) => {
    const { before, after } = await overview.reset();
    await audit.write({
      action: 'retention.settings.reset',
      actorId: user!.id,
      targetType: 'settings',
      targetId: 'retention',
      details: { before, after },
      ...requestMeta(req),
    });
    return overview.overview();
  });

  routes.handle('previewRetention', ({ body }) => overview.preview(body.settings));
}
