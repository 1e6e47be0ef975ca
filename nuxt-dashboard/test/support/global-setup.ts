import { createSequelize } from '../../../server/src/db/sequelize';
import { migrateUp } from '../../../server/src/db/migrator';
import { assertRedis, createDatabase } from '../../../server/test/support/services';
import { buildIfStale } from './build';

export default async function globalSetup(): Promise<void> {
  buildIfStale();
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const dbName = `cwn_test_dash_${runId}`;
  await assertRedis();
  const url = await createDatabase(dbName);
  const sequelize = createSequelize(url);
  try {
    await migrateUp(sequelize);
  } finally {
    await sequelize.close();
  }
  process.env.CWN_DASHBOARD_TEST_DB_NAME = dbName;
  process.env.CWN_DASHBOARD_TEST_DATABASE_URL = url;
  process.env.CWN_DASHBOARD_TEST_REDIS_PREFIX = `cwn-test-dash-${runId}`;
  // server/test/support/app reads these; the server project's own setup may set them too.
  process.env.CWN_TEST_DATABASE_URL ??= url;
  process.env.CWN_TEST_REDIS_PREFIX ??= `cwn-test-dash-${runId}`;
}
