import { z } from 'zod';
import { Timestamp } from './common';

/** The parts of the system the health page shows, in its order. */
export const HealthCheckKey = z.enum([
  'postgres',
  'redis',
  'workers',
  'queues',
  'ninjaone',
  'disk',
]);
export type HealthCheckKey = z.infer<typeof HealthCheckKey>;

/** green: fine; amber: look soon; red: something is broken and someone must act. */
export const HealthStatus = z.enum(['green', 'amber', 'red']);
export type HealthStatus = z.infer<typeof HealthStatus>;

/**
 * One part's state. `reason` names why it is not green (the dashboard's dictionary turns it into
 * words and into what to do: `health.reason.<key>.<reason>` and `health.advice.<key>.<reason>`);
 * `figure` is the number that shows it, in `unit`; `detail` is the raw error, for the details.
 */
export const HealthCheck = z.object({
  key: HealthCheckKey,
  status: HealthStatus,
  reason: z.string().nullable(),
  figure: z.number().nullable(),
  unit: z.enum(['ms', 'workers', 'jobs', 'bytes', 'percent']).nullable(),
  detail: z.string().nullable(),
  /** Whatever else the check measured (shown raw behind "details"). */
  data: z.record(z.string(), z.unknown()),
});
export type HealthCheck = z.infer<typeof HealthCheck>;

/** `GET /api/admin/health`: every part's state, worst first in `status`. */
export const SystemHealth = z.object({
  generatedAt: Timestamp,
  /** The worst of the checks. */
  status: HealthStatus,
  checks: z.array(HealthCheck),
});
export type SystemHealth = z.infer<typeof SystemHealth>;

/** One probe of GET /readyz. */
export const ReadinessCheck = z.object({
  ok: z.boolean(),
  latencyMs: z.number(),
  error: z.string().optional(),
});
export type ReadinessCheck = z.infer<typeof ReadinessCheck>;

/** GET /readyz: PostgreSQL and Redis reachable (503 with this as the error's details when not). */
export const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({ postgres: ReadinessCheck, redis: ReadinessCheck }),
});
export type Readiness = z.infer<typeof Readiness>;
