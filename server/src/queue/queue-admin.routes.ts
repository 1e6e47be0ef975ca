import { z } from 'zod';
import {
  FailedJobList,
  FailedJobsQuery,
  QueueJobParams,
  QueueKey,
  QueueOverview,
} from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import { requestMeta } from '../http/request-context';
import type { RouteTable } from '../http/routes';
import type { QueueAdminService } from './queue-admin.service';

const QueueParams = z.object({ queue: QueueKey });

export function registerQueueAdminRoutes(
  routes: RouteTable,
  admin: QueueAdminService,
  audit: AuditLog,
): void {
  routes.add(
    {
      method: 'get',
      path: '/api/admin/queues',
      summary: 'Job counts of every queue',
      tags: ['health'],
      response: QueueOverview,
    },
    async () => ({ queues: await admin.overview() }),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/admin/queues/:queue/failed',
      summary: 'Jobs that gave up, newest first',
      tags: ['health'],
      params: QueueParams,
      query: FailedJobsQuery,
      response: FailedJobList,
    },
    async ({ params, query }) => ({ items: await admin.failed(params.queue, query.limit) }),
  );

  for (const [method, path, action] of [
    ['post', '/api/admin/queues/:queue/jobs/:jobId/retry', 'queue.job_retry'],
    ['delete', '/api/admin/queues/:queue/jobs/:jobId', 'queue.job_delete'],
  ] as const) {
    routes.add(
      {
        method,
        path,
        summary: method === 'post' ? 'Retry a failed job' : 'Delete a failed job',
        tags: ['health'],
        params: QueueJobParams,
        status: 204,
      },
      async ({ req, params, user }) => {
        if (method === 'post') await admin.retry(params.queue, params.jobId);
        else await admin.remove(params.queue, params.jobId);
        await audit.write({
          action,
          actorId: user!.id,
          targetType: `job:${params.queue}`,
          targetId: params.jobId,
          ...requestMeta(req),
        });
      },
    );
  }
}
