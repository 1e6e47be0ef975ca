import type { AuditLog } from '../audit/audit';
import { requestMeta } from '../http/request-context';
import type { RouteTable } from '../http/routes';
import type { NinjaOneSettingsService } from '../ninjaone/settings.service';
import { previewTicket } from './ticket-preview';
import type { TicketSource } from './ticket-source';
import type { TicketStatusService } from './ticket-status';

export interface TicketRouteDeps {
  ticketStatus: TicketStatusService;
  source: TicketSource;
  settings: NinjaOneSettingsService;
  audit: AuditLog;
  publicUrl: string;
}

/** A transcript's ticket: what it will contain, where it stands, and trying a failed one again. */
export function registerTicketRoutes(routes: RouteTable, d: TicketRouteDeps): void {
  routes.handle('getRedactionPreview', ({ params, user }) =>
    previewTicket(
      { source: d.source, settings: d.settings, publicUrl: d.publicUrl },
      params.id,
      user!,
    ),
  );

  routes.handle('getTicket', ({ params, user }) => d.ticketStatus.get(params.id, user!));

  routes.handle('createTicket', async ({ req, params, body, user }) => {
    const status = await d.ticketStatus.retry(params.id, body.organizationId, user!);
    await d.audit.write({
      action: 'ticket.retry',
      actorId: user!.id,
      targetType: 'transcript',
      targetId: params.id,
      details: { organizationId: body.organizationId },
      ...requestMeta(req),
    });
    return status;
  });
}
