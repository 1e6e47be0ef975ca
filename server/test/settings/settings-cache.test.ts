import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { migratedDatabase } from '@cwn/test-support/services';
import { RETENTION_SETTING } from '../../src/retention/retention.settings';
import { SettingsStore } from '../../src/settings/settings-store';

/**
 * The settings store's short cache (PostgreSQL behind it): repeated reads make one query, this
 * process reads its own write at once, another process sees it within the cache's time.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let t: TestApp;

beforeAll(async () => {
  db = await migratedDatabase('settings_cache');
  t = await startTestApp({ DATABASE_URL: db.url });
});
afterAll(async () => {
  await t?.close();
  await db?.drop();
});

it('reads from a short cache, drops it on its own writes, and bounds what another process misses', async () => {
  const repo = t.settings.repository;
  const queries = jest.spyOn(repo, 'entry');
  const mine = new SettingsStore(repo, t.config, t.logger, 10_000);
  const other = new SettingsStore(repo, t.config, t.logger, 300);

  const first = await mine.value(RETENTION_SETTING);
  await Promise.all([1, 2, 3].map(() => mine.value(RETENTION_SETTING)));
  expect(await mine.value(RETENTION_SETTING)).toEqual(first);
  expect(queries).toHaveBeenCalledTimes(1);
  expect(await other.value(RETENTION_SETTING)).toEqual(first);
  expect(queries).toHaveBeenCalledTimes(2);

  // this process writes: its next read has the change, whatever the cache's time
  const changed = { ...first, audioDays: first.audioDays + 7 };
  await mine.write(RETENTION_SETTING, changed, null);
  expect(await mine.value(RETENTION_SETTING)).toEqual(changed);
  // another process still has the old row, for at most its cache's time
  expect(await other.value(RETENTION_SETTING)).toEqual(first);
  await new Promise((r) => setTimeout(r, 350));
  expect(await other.value(RETENTION_SETTING)).toEqual(changed);

  await mine.reset(RETENTION_SETTING);
  expect((await mine.read(RETENTION_SETTING)).source).toBe('environment');
  queries.mockRestore();
});
