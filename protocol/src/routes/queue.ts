import { z } from 'zod';
import {
  FailedJobList,
  QueueJobParams,
  FailedJobsQuery,
  QueueKey,
  QueueOverview,
} from '../admin-queues';
import { route } from './route';

const QueueParams = z.object({ queue: QueueKey });

export const queueRoutes = {
  listQueues: route({
    method: 'get',
    path: '/api/admin/queues',
    summary: 'Job counts of every queue',
    tags: ['health'],
    response: QueueOverview,
  }),
  listFailedJobs: route({
    method: 'get',
    path: '/api/admin/queues/:queue/failed',
    summary: 'Jobs that gave up, newest first',
    tags: ['health'],
    params: QueueParams,
    query: FailedJobsQuery,
    response: FailedJobList,
  }),
  retryFailedJob: route({
    method: 'post',
    path: '/api/admin/queues/:queue/jobs/:jobId/retry',
    summary: 'Retry a failed job',
    tags: ['health'],
    params: QueueJobParams,
    status: 204,
  }),
  deleteFailedJob: route({
    method: 'delete',
    path: '/api/admin/queues/:queue/jobs/:jobId',
    summary: 'Delete a failed job',
    tags: ['health'],
    params: QueueJobParams,
    status: 204,
  }),
};
