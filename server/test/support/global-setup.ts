import { createSequelize } from '../../src/db/sequelize';
import { migrateUp } from '../../src/db/migrator';
import { assertRedis, createDatabase } from './services';

export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const dbName = `cwn_test_${runId}`;
  await assertRedis();
  const url = await createDatabase(dbName);
  const sequelize = createSequelize(url);
  try {
    await migrateUp(sequelize);
  } finally {
    await sequelize.close();
  }
  // Workers are forked after this, so they inherit these.
  process.env.CWN_TEST_DB_NAME = dbName;
  process.env.CWN_TEST_DATABASE_URL = url;
  process.env.CWN_TEST_REDIS_PREFIX = `cwn-test-${runId}`;
}
