/**
 * The extension's tests run the real server, so they need the server tests' database and Redis
 * prefix. In one jest run over all projects the server project creates them already: reuse those.
 * Alone (`--selectProjects extension`), create them and remember which one to drop.
 */
import serverGlobalSetup from '@cwn/test-support/global-setup';

export default async function globalSetup(): Promise<void> {
  if (process.env.CWN_TEST_DATABASE_URL) return;
  await serverGlobalSetup();
  process.env.CWN_EXTENSION_TEST_DB_NAME = process.env.CWN_TEST_DB_NAME;
  process.env.CWN_EXTENSION_TEST_REDIS_PREFIX = process.env.CWN_TEST_REDIS_PREFIX;
}
