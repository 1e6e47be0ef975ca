import { createSequelize } from '../../../server/src/db/sequelize';
import { migrateUp } from '../../../server/src/db/migrator';
import { assertRedis, createDatabase } from '../../../server/test/support/services';
import { buildIfStale } from '../../../nuxt-dashboard/test/support/build';
import { buildPwaIfStale } from '../../../pwa/test/support/build';

export default async function globalSetup(): Promise<void> {
  // Builds first: a failed build must not leave a database behind.
  buildIfStale();
  buildPwaIfStale();
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const dbName = `cwn_test_e2e_${runId}`;
  await assertRedis();
  const url = await createDatabase(dbName);
  const sequelize = createSequelize(url);
  try {
    await migrateUp(sequelize);
  } finally {
    await sequelize.close();
  }
  process.env.CWN_E2E_TEST_DB_NAME = dbName;
  process.env.CWN_E2E_TEST_DATABASE_URL = url;
  process.env.CWN_E2E_TEST_REDIS_PREFIX = `cwn-test-e2e-${runId}`;
  // server/test/support/app requires these; the test passes its own database and prefix over them.
  process.env.CWN_TEST_DATABASE_URL ??= url;
  process.env.CWN_TEST_REDIS_PREFIX ??= `cwn-test-e2e-${runId}`;
}
