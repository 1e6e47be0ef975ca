import { z } from 'zod';
import {
  CreatedKioskToken,
  CreateKioskTokenRequest,
  DashboardSummary,
  Id,
  KioskToken,
  KioskTokenList,
} from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import { requestMeta } from '../http/request-context';
import type { RouteTable } from '../http/routes';
import type { FanOut } from '../realtime/fan-out';
import type { DashboardService } from './dashboard.service';
import type { KioskTokensService } from './kiosk-tokens.service';

const IdParams = z.object({ id: Id });

export function registerDashboardRoutes(
  routes: RouteTable,
  deps: {
    dashboard: DashboardService;
    kioskTokens: KioskTokensService;
    audit: AuditLog;
    fanOut: FanOut;
  },
): void {
  routes.add(
    {
      method: 'get',
      path: '/api/dashboard/summary',
      summary: 'Everything the TV wallboard shows (also with a kiosk token)',
      tags: ['dashboard'],
      response: DashboardSummary,
    },
    () => deps.dashboard.summary(),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/kiosk-tokens',
      summary: 'List kiosk tokens',
      tags: ['dashboard'],
      response: KioskTokenList,
    },
    async () => ({ items: await deps.kioskTokens.list() }),
  );

  routes.add(
    {
      method: 'post',
      path: '/api/kiosk-tokens',
      summary: 'Create a read-only kiosk token for a wall screen (the secret is returned once)',
      tags: ['dashboard'],
      body: CreateKioskTokenRequest,
      response: CreatedKioskToken,
      status: 201,
    },
    async ({ req, body, user }) => {
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
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/kiosk-tokens/:id',
      summary: 'Revoke a kiosk token; its screens are disconnected at once',
      tags: ['dashboard'],
      params: IdParams,
      response: KioskToken,
    },
    async ({ req, params, user }) => {
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
    },
  );
}
