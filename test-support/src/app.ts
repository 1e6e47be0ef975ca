import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { AddressInfo } from 'node:net';
import type { Role, TokenPair } from '@cwn/protocol';
import { createApp, type AppInstance, type AppOptions } from '../../server/src/app';
import { loadConfig, type Config } from '../../server/src/config';
import { createLogger } from '../../server/src/logger';
import { TEST_REDIS_URL, testTmpRoot } from './services';

export const TEST_PASSWORD = 'correct horse battery';

/** Fixed test secrets (never used outside tests). */
export const TEST_MASTER_KEY = Buffer.alloc(32, 0x5a).toString('base64');
export const TEST_WORKER_TOKEN = 'test-worker-token-test-worker-token-0123';

let storageDir: string | undefined;
/**
 * One temporary audio store per test file (jest worker module registry), inside the run's
 * temporary directory, which the global teardown removes.
 */
export function testStorageDir(): string {
  return (storageDir ??= mkdtempSync(join(testTmpRoot(), 'audio-')));
}

export function testEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const db = process.env.CWN_TEST_DATABASE_URL;
  const prefix = process.env.CWN_TEST_REDIS_PREFIX;
  if (!db || !prefix) throw new Error('the server test global setup did not run');
  return {
    NODE_ENV: 'test',
    DATABASE_URL: db,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
    LOG_LEVEL: process.env.CWN_TEST_LOG_LEVEL ?? 'silent',
    PUBLIC_URL: 'http://127.0.0.1:3000',
    MASTER_KEY: TEST_MASTER_KEY,
    WORKER_TOKEN: TEST_WORKER_TOKEN,
    STORAGE_DIR: testStorageDir(),
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(testEnv(overrides));
}

export interface TestApp extends AppInstance {
  http: ReturnType<typeof request>;
  /** Creates an active user with TEST_PASSWORD and returns a logged-in token pair. */
  userWithRole(role: Role, extra?: { email?: string; extension?: string }): Promise<TokenPair>;
  url(): string;
}

let counter = 0;
export function uniqueEmail(tag: string): string {
  counter += 1;
  return `${tag}-${process.pid}-${Date.now().toString(36)}-${counter}@test.local`;
}

export async function startTestApp(
  overrides: Record<string, string> = {},
  options: AppOptions = {},
): Promise<TestApp> {
  const config = testConfig(overrides);
  const instance = createApp(config, { logger: createLogger(config.logLevel), ...options });
  const address: AddressInfo = await instance.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${address.port}`;
  const http = request(base);
  return Object.assign(instance, {
    http,
    url: () => base,
    async userWithRole(role: Role, extra: { email?: string; extension?: string } = {}) {
      const email = extra.email ?? uniqueEmail(role);
      await instance.services.users.create({
        email,
        password: TEST_PASSWORD,
        role,
        displayName: `Test ${role}`,
        ...(extra.extension ? { extension: extra.extension } : {}),
      });
      const res = await http.post('/api/auth/login').send({ email, password: TEST_PASSWORD });
      if (res.status !== 200)
        throw new Error(`login as ${role} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as TokenPair;
    },
  });
}

// The server's own config loader, retention schedule and its consumer, for tests that check an
// environment the server must accept (deploy) or drive the daily retention run (dashboard settings).
export { loadConfig } from '../../server/src/config';
export {
  RETENTION_JOB,
  scheduleRetention,
  startMaintenanceWorker,
} from '../../server/src/retention/maintenance';
