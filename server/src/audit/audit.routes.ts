import { stringify } from 'csv-stringify/sync';
import type { RouteTable } from '../http/routes';
import type { AuditQueryService } from './audit.query';

/** A cell a spreadsheet would run as a formula (=, +, -, @) is prefixed with a quote. */
const safeCell = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

export function registerAuditRoutes(routes: RouteTable, audit: AuditQueryService): void {
  routes.handle('listAudit', ({ query }) => audit.page(query));

  routes.handle('exportAudit', async ({ query, res }) => {
    const rows = await audit.all(query);
    const csv = stringify(
      rows.map((r) =>
        [
          r.at,
          r.actorEmail ?? r.actorId ?? '',
          r.action,
          r.targetType ?? '',
          r.targetId ?? '',
          r.details ? JSON.stringify(r.details) : '',
          r.ip ?? '',
          r.requestId ?? '',
        ].map(safeCell),
      ),
      {
        header: true,
        columns: [
          'at',
          'actor',
          'action',
          'target_type',
          'target_id',
          'details',
          'ip',
          'request_id',
        ],
      },
    );
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.csv"`,
    );
    res.end(csv);
  });
}
