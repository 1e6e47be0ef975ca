import { assertRedis, ensureTestTmpRoot, migratedDatabase } from '@cwn/test-support/services';
import { buildIfStale } from '@cwn/test-support/dashboard-build';

export default async function globalSetup(): Promise<void> {
  buildIfStale();
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  await assertRedis();
  const { name: dbName, url } = await migratedDatabase('dash');
  process.env.CWN_DASHBOARD_TEST_DB_NAME = dbName;
  process.env.CWN_DASHBOARD_TEST_DATABASE_URL = url;
  process.env.CWN_DASHBOARD_TEST_REDIS_PREFIX = `cwn-test-dash-${runId}`;
  // @cwn/test-support/app reads these; the server project's own setup may set them too.
  process.env.CWN_TEST_DATABASE_URL ??= url;
  ensureTestTmpRoot();
  process.env.CWN_TEST_REDIS_PREFIX ??= `cwn-test-dash-${runId}`;
}
