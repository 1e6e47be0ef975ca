import { deleteRedisPrefix, dropDatabase, removeTestTmpRoot } from './services';

export default async function globalTeardown(): Promise<void> {
  const db = process.env.CWN_TEST_DB_NAME;
  if (db && !process.env.CWN_KEEP_TEST_DB) await dropDatabase(db);
  const prefix = process.env.CWN_TEST_REDIS_PREFIX;
  if (prefix) await deleteRedisPrefix(prefix);
  removeTestTmpRoot();
}
