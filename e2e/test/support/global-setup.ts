import { assertRedis, ensureTestTmpRoot, migratedDatabase } from '@cwn/test-support/services';
import { buildIfStale } from '@cwn/test-support/dashboard-build';
import { buildPwaIfStale } from '@cwn/test-support/pwa-build';

export default async function globalSetup(): Promise<void> {
  // Builds first: a failed build must not leave a database behind.
  buildIfStale();
  buildPwaIfStale();
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  await assertRedis();
  const { name: dbName, url } = await migratedDatabase('e2e');
  process.env.CWN_E2E_TEST_DB_NAME = dbName;
  process.env.CWN_E2E_TEST_DATABASE_URL = url;
  process.env.CWN_E2E_TEST_REDIS_PREFIX = `cwn-test-e2e-${runId}`;
  // @cwn/test-support/app requires these; the test passes its own database and prefix over them.
  process.env.CWN_TEST_DATABASE_URL ??= url;
  ensureTestTmpRoot();
  process.env.CWN_TEST_REDIS_PREFIX ??= `cwn-test-e2e-${runId}`;
}
