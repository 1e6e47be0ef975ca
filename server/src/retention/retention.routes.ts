import { RetentionOverview } from '@cwn/protocol';
import type { RouteTable } from '../http/routes';
import type { RetentionOverviewService } from './retention-overview';

export function registerRetentionRoutes(
  routes: RouteTable,
  overview: RetentionOverviewService,
): void {
  routes.add(
    {
      method: 'get',
      path: '/api/admin/retention',
      summary: 'Retention policy (from the environment), next purge and last run',
      tags: ['health'],
      response: RetentionOverview,
    },
    () => overview.overview(),
  );
}
