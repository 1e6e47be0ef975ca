import { z } from 'zod';
import { Id } from '../common';
import { TicketPreview, TicketRetryRequest, TicketStatus } from '../ninjaone';
import { route } from './route';

export const ticketsRoutes = {
  getRedactionPreview: route({
    method: 'get',
    path: '/api/transcripts/:id/redaction-preview',
    summary:
      'What the NinjaOne ticket will contain, with the redacted stretches marked (agents: own calls, else 404)',
    tags: ['ninjaone'],
    params: z.object({ id: Id }),
    response: TicketPreview,
  }),
  getTicket: route({
    method: 'get',
    path: '/api/transcripts/:id/ticket',
    summary:
      'Where the transcript’s NinjaOne ticket stands (state, id, link, failure reason; agents: own calls, else 404)',
    tags: ['ninjaone'],
    params: z.object({ id: Id }),
    response: TicketStatus,
  }),
  createTicket: route({
    method: 'post',
    path: '/api/transcripts/:id/ticket',
    summary:
      'Try a failed ticket again, optionally for a chosen organization (agents: own calls, else 404)',
    tags: ['ninjaone'],
    params: z.object({ id: Id }),
    body: TicketRetryRequest,
    response: TicketStatus,
    status: 202,
  }),
};
