import {
  RetentionOverview,
  RetentionPreview,
  RetentionPreviewRequest,
  RetentionSettings,
} from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import { requestMeta } from '../http/request-context';
import type { RouteTable } from '../http/routes';
import type { RetentionOverviewService } from './retention-overview';

export function registerRetentionRoutes(
  routes: RouteTable,
  overview: RetentionOverviewService,
  audit: AuditLog,
): void {
  routes.add(
    {
      method: 'get',
      path: '/api/admin/retention',
      summary: 'Retention policy in force (stored, else the environment), next purge and last run',
      tags: ['health'],
      response: RetentionOverview,
    },
    () => overview.overview(),
  );

  routes.add(
    {
      method: 'put',
      path: '/api/admin/retention',
      summary:
        'Change the retention policy (days of audio and transcripts, daily hour and time zone); the daily job is re-planned at once',
      tags: ['health'],
      body: RetentionSettings,
      response: RetentionOverview,
    },
    async ({ req, body, user }) => {
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
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/admin/retention',
      summary:
        'Forget the stored retention policy: the environment’s applies again (job re-planned)',
      tags: ['health'],
      response: RetentionOverview,
    },
    async ({ req, user }) => {
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
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/admin/retention/preview',
      summary:
        'What the next retention run will remove, under the stored policy or under settings not saved yet (nothing is deleted)',
      tags: ['health'],
      body: RetentionPreviewRequest,
      response: RetentionPreview,
    },
    ({ body }) => overview.preview(body.settings),
  );
}
