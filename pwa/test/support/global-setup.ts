import serverGlobalSetup from '@cwn/test-support/global-setup';
import { buildPwaIfStale } from '@cwn/test-support/pwa-build';

export default async function globalSetup(): Promise<void> {
  // Build first: a failed build must not leave a database behind (no teardown runs after it).
  buildPwaIfStale();
  // In a whole-monorepo run the server project has already created the database: share it (the
  // server's teardown, which is also ours, drops it once; dropping is idempotent).
  if (!process.env.CWN_TEST_DATABASE_URL) await serverGlobalSetup();
}
