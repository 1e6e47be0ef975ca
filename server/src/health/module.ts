import type { ModuleDeps } from '../module-deps';
import type { Redis } from 'ioredis';
import { SystemHealthService, type SystemHealthDeps } from './system-health';

export interface HealthModule {
  system: SystemHealthService;
}

/** The admins' system health report (`/readyz` and `/metrics` stay the machines'). */
export function createHealthModule(
  d: ModuleDeps & {
    probeRedis: Redis;
    dashboard: SystemHealthDeps['dashboard'];
    ninjaone: SystemHealthDeps['ninjaone'];
  },
): HealthModule {
  const system = new SystemHealthService({
    sequelize: d.sequelize,
    probeRedis: d.probeRedis,
    redis: d.redis,
    redisPrefix: d.config.redisPrefix,
    queues: d.queues,
    dashboard: d.dashboard,
    ninjaone: d.ninjaone,
    storageDir: d.config.storageDir,
    now: d.now,
  });
  d.routes.handle('getSystemHealth', () => system.report());
  return { system };
}
