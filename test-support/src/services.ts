import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { migrateUp } from '../../server/src/db/migrator';
import { createSequelize } from '../../server/src/db/sequelize';

/** Where the test run finds its services; override with TEST_DATABASE_ADMIN_URL / TEST_REDIS_URL. */
export const ADMIN_DB_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function databaseUrl(dbName: string): string {
  const u = new URL(ADMIN_DB_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
}

/** Creates an empty database; fails with a message that says how to start PostgreSQL. */
export async function createDatabase(name: string): Promise<string> {
  const client = new Client({ connectionString: ADMIN_DB_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is unreachable at ${ADMIN_DB_URL} (${(err as Error).message}). ` +
        'Start it (npm test does) or set TEST_DATABASE_ADMIN_URL.',
    );
  }
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_DB_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export async function assertRedis(url: string = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3_000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(
      `Redis is unreachable at ${url} (${(err as Error).message}). Start it (npm test does) or set TEST_REDIS_URL.`,
    );
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under a prefix (SCAN, never KEYS). */
export async function deleteRedisPrefix(
  prefix: string,
  url: string = TEST_REDIS_URL,
): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** An empty database of its own, for tests that need the whole database to themselves. */
export async function freshDatabase(
  tag: string,
): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `cwn_test_${tag}_${Date.now().toString(36)}_${process.pid}`;
  const url = await createDatabase(name);
  return { name, url, drop: () => dropDatabase(name) };
}

/** A fresh database with every migration applied: a test run's, or a test file's own. */
export async function migratedDatabase(
  tag: string,
): Promise<Awaited<ReturnType<typeof freshDatabase>>> {
  const db = await freshDatabase(tag);
  const sequelize = createSequelize(db.url);
  try {
    await migrateUp(sequelize);
  } finally {
    await sequelize.close();
  }
  return db;
}

/**
 * The test run's temporary directory: audio stores and worker health files go under it. A global
 * setup creates it (once per run: the first setup of a whole-monorepo run sets it for the others)
 * and the global teardowns remove it, so a run leaves nothing in /tmp.
 */
export function ensureTestTmpRoot(): string {
  return (process.env.CWN_TEST_TMP_DIR ??= mkdtempSync(join(tmpdir(), 'cwn-test-run-')));
}

/** Removes the run's temporary directory (global teardowns; they run after every test file). */
export function removeTestTmpRoot(): void {
  const dir = process.env.CWN_TEST_TMP_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** The run's temporary directory, as the global setup made it (inside a test file). */
export function testTmpRoot(): string {
  const dir = process.env.CWN_TEST_TMP_DIR;
  if (!dir) throw new Error('the test global setup did not run (CWN_TEST_TMP_DIR is not set)');
  return dir;
}
