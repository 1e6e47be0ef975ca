import type { AuditLog } from '../audit/audit';
import { requestMeta } from '../http/request-context';
import type { RouteTable } from '../http/routes';
import type { FanOut } from '../realtime/fan-out';
import type { DashboardService } from './dashboard.service';
import type { KioskTokensService } from './kiosk-tokens.service';

export function registerDashboardRoutes(
  routes: RouteTable,
  deps: {
    dashboard: DashboardService;
    kioskTokens: KioskTokensService;
    audit: AuditLog;
    fanOut: FanOut;
  },
): void {
  routes.handle('getDashboardSummary', () => deps.dashboard.summary());

  routes.handle('listKioskTokens', async () => ({ items: await deps.kioskTokens.list() }));

  routes.handle('createKioskToken', async ({ req, body, user }) => {
    const created = await deps.kioskTokens.create(body.name, user!.id);
    await deps.audit.write({
      action: 'kiosk_token.create',
      actorId: user!.id,
      targetType: 'kiosk_token',
      targetId: created.id,
      details: { name: created.name },
      ...requestMeta(req),
    });
    return created;
  });

  routes.handle('revokeKioskToken', async ({ req, params, user }) => {
    const revoked = await deps.kioskTokens.revoke(params.id);
    deps.fanOut.disconnectKiosk(revoked.id);
    await deps.audit.write({
      action: 'kiosk_token.revoke',
      actorId: user!.id,
      targetType: 'kiosk_token',
      targetId: revoked.id,
      ...requestMeta(req),
    });
    return revoked;
  });
}
