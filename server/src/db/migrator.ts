import type { QueryInterface, Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import type { Logger } from '../logger';
import * as m0001 from './migrations/0001-initial';
import * as m0002 from './migrations/0002-calls-recordings';
import * as m0003 from './migrations/0003-transcripts';
import * as m0004 from './migrations/0004-ninjaone-tickets';
import * as m0005 from './migrations/0005-kiosk-tokens';
import * as m0006 from './migrations/0006-push-subscriptions';
import * as m0007 from './migrations/0007-calls-search-index';
import * as m0008 from './migrations/0008-live-recordings';
import * as m0011 from './migrations/0011-transcript-settings';
import * as m0012 from './migrations/0012-live-discard-timings';

/**
 * Migrations are listed here explicitly (not globbed) so that the same list runs from the compiled
 * server, from tests and from the `migrate` command. Append new ones; never edit a landed one.
 */
const MIGRATIONS = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0011, m0012];

export function createMigrator(sequelize: Sequelize, logger?: Logger) {
  return new Umzug<QueryInterface>({
    migrations: MIGRATIONS.map((m) => ({ name: m.name, up: m.up, down: m.down })),
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: logger
      ? {
          info: (msg) => logger.info(msg, 'migration'),
          warn: (msg) => logger.warn(msg, 'migration'),
          error: (msg) => logger.error(msg, 'migration'),
          debug: (msg) => logger.debug(msg, 'migration'),
        }
      : undefined,
  });
}

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so that several server replicas
 * starting at once do not race each other.
 */
export async function migrateUp(sequelize: Sequelize, logger?: Logger): Promise<string[]> {
  const LOCK_ID = 727_001;
  const t = await sequelize.transaction();
  try {
    await sequelize.query('SELECT pg_advisory_xact_lock(:id)', {
      replacements: { id: LOCK_ID },
      transaction: t,
    });
    const applied = await createMigrator(sequelize, logger).up();
    await t.commit();
    return applied.map((m) => m.name);
  } catch (err) {
    await t.rollback();
    throw err;
  }
}
