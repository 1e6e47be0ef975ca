import { AuditPage, AuditQuery } from '../audit';
import { route } from './route';

const ExportQuery = AuditQuery.omit({ cursor: true, limit: true });

export const auditRoutes = {
  listAudit: route({
    method: 'get',
    path: '/api/audit',
    summary: 'The audit log, newest first (filter by actor, action or prefix, dates)',
    tags: ['audit'],
    query: AuditQuery,
    response: AuditPage,
  }),
  exportAudit: route({
    method: 'get',
    path: '/api/audit/export',
    summary: 'The audit log as CSV (same filters, no paging)',
    tags: ['audit'],
    query: ExportQuery,
    rawResponse: 'text/csv',
    openapi: {
      responses: {
        200: { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } },
      },
    },
  }),
};
