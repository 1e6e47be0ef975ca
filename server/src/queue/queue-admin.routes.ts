import type { AuditLog } from '../audit/audit';
import { requestMeta } from '../http/request-context';
import type { RouteTable } from '../http/routes';
import type { QueueAdminService } from './queue-admin.service';

export function registerQueueAdminRoutes(
  routes: RouteTable,
  admin: QueueAdminService,
  audit: AuditLog,
): void {
  routes.handle('listQueues', async () => ({ queues: await admin.overview() }));

  routes.handle('listFailedJobs', async ({ params, query }) => ({
    items: await admin.failed(params.queue, query.limit),
  }));

  for (const [name, action] of [
    ['retryFailedJob', 'queue.job_retry'],
    ['deleteFailedJob', 'queue.job_delete'],
  ] as const) {
    routes.handle(name, async ({ req, params, user }) => {
      if (name === 'retryFailedJob') await admin.retry(params.queue, params.jobId);
      else await admin.remove(params.queue, params.jobId);
      await audit.write({
        action,
        actorId: user!.id,
        targetType: `job:${params.queue}`,
        targetId: params.jobId,
        ...requestMeta(req),
      });
    });
  }
}
