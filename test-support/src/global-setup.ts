import { assertRedis, ensureTestTmpRoot, migratedDatabase } from './services';

export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  await assertRedis();
  const { name: dbName, url } = await migratedDatabase('run');
  // Workers are forked after this, so they inherit these.
  process.env.CWN_TEST_DB_NAME = dbName;
  process.env.CWN_TEST_DATABASE_URL = url;
  process.env.CWN_TEST_REDIS_PREFIX = `cwn-test-${runId}`;
  ensureTestTmpRoot();
}
