import { z } from 'zod';
import { Id, TicketPreview, TicketRetryRequest, TicketStatus } from '@cwn/protocol';
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
  routes.add(
    {
      method: 'get',
      path: '/api/transcripts/:id/redaction-preview',
      summary:
        'What the NinjaOne ticket will contain, with the redacted stretches marked (agents: own calls, else 404)',
      tags: ['ninjaone'],
      params: z.object({ id: Id }),
      response: TicketPreview,
    },
    ({ params, user }) =>
      previewTicket(
        { source: d.source, settings: d.settings, publicUrl: d.publicUrl },
        params.id,
        user!,
      ),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/transcripts/:id/ticket',
      summary:
        'Where the transcript’s NinjaOne ticket stands (state, id, link, failure reason; agents: own calls, else 404)',
      tags: ['ninjaone'],
      params: z.object({ id: Id }),
      response: TicketStatus,
    },
    ({ params, user }) => d.ticketStatus.get(params.id, user!),
  );

  routes.add(
    {
      method: 'post',
      path: '/api/transcripts/:id/ticket',
      summary:
        'Try a failed ticket again, optionally for a chosen organization (agents: own calls, else 404)',
      tags: ['ninjaone'],
      params: z.object({ id: Id }),
      body: TicketRetryRequest,
      response: TicketStatus,
      status: 202,
    },
    async ({ req, params, body, user }) => {
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
    },
  );
}
