import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type { AuditLog } from './audit/audit';
import type { Config } from './config';
import type { Models } from './db/models';
import type { RouteTable } from './http/routes';
import type { Logger } from './logger';
import type { Queues } from './queue/queues';
import type { FanOut } from './realtime/fan-out';

/** The shared handles `createApp` builds first and hands to every feature module. */
export interface ModuleDeps {
  config: Config;
  sequelize: Sequelize;
  models: Models;
  redis: Redis;
  queues: Queues;
  routes: RouteTable;
  fanOut: FanOut;
  audit: AuditLog;
  logger: Logger;
  now: () => Date;
}
