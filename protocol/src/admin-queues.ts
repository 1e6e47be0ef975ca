import { z } from 'zod';
import { Timestamp } from './common';
import { QUEUES } from './jobs';

export const QueueKey = z.enum(
  Object.keys(QUEUES) as [keyof typeof QUEUES, ...(keyof typeof QUEUES)[]],
);
export type QueueKey = z.infer<typeof QueueKey>;

export const QueueCounts = z.object({
  queue: QueueKey,
  waiting: z.number().int().nonnegative(),
  active: z.number().int().nonnegative(),
  delayed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
});
export type QueueCounts = z.infer<typeof QueueCounts>;

/** `GET /api/admin/queues`: job counts of every queue. */
export const QueueOverview = z.object({ queues: z.array(QueueCounts) });
export type QueueOverview = z.infer<typeof QueueOverview>;

/** A job that gave up after its attempts, for the health page (retry or delete). */
export const FailedJob = z.object({
  id: z.string(),
  queue: QueueKey,
  name: z.string(),
  failedReason: z.string(),
  attemptsMade: z.number().int().nonnegative(),
  createdAt: Timestamp,
  failedAt: Timestamp.nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type FailedJob = z.infer<typeof FailedJob>;

export const FailedJobList = z.object({ items: z.array(FailedJob) });
export type FailedJobList = z.infer<typeof FailedJobList>;

export const FailedJobsQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(200).default(50) })
  .strict();
export type FailedJobsQuery = z.infer<typeof FailedJobsQuery>;

export const QueueJobParams = z.object({
  queue: QueueKey,
  jobId: z.string().regex(/^[A-Za-z0-9:_-]{1,128}$/, 'invalid job id'),
});
export type QueueJobParams = z.infer<typeof QueueJobParams>;
