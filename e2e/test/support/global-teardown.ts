import { deleteRedisPrefix, dropDatabase, removeTestTmpRoot } from '@cwn/test-support/services';

export default async function globalTeardown(): Promise<void> {
  const db = process.env.CWN_E2E_TEST_DB_NAME;
  if (db && !process.env.CWN_KEEP_TEST_DB) await dropDatabase(db);
  const prefix = process.env.CWN_E2E_TEST_REDIS_PREFIX;
  if (prefix) await deleteRedisPrefix(prefix);
  // The run's temporary directory (audio stores): every test file has finished by now.
  removeTestTmpRoot();
}
