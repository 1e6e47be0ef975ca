import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { testStorageDir } from '@cwn/test-support/app';
import globalTeardown from '@cwn/test-support/global-teardown';
import { testTmpRoot } from '@cwn/test-support/services';

// The test helpers themselves: what a test run leaves behind on the machine.
describe('temporary directories of a test run', () => {
  it("puts each test file's audio store inside the run's temporary directory", () => {
    const root = process.env.CWN_TEST_TMP_DIR;
    expect(root).toBeDefined();
    expect(testTmpRoot()).toBe(root);
    const store = testStorageDir();
    expect(existsSync(store)).toBe(true);
    expect(relative(root!, store).startsWith('..')).toBe(false);
    expect(testStorageDir()).toBe(store); // one per test file
  });

  it("the global teardown removes the run's temporary directory with everything in it", async () => {
    // A stand-in run: its own directory, and no database or Redis prefix of the real run named.
    const saved = { ...process.env };
    const fake = mkdtempSync(join(tmpdir(), 'cwn-test-run-teardown-'));
    mkdirSync(join(fake, 'audio-x', 'objects'), { recursive: true });
    writeFileSync(join(fake, 'audio-x', 'objects', 'blob'), 'x');
    try {
      delete process.env.CWN_TEST_DB_NAME;
      process.env.CWN_TEST_REDIS_PREFIX = `cwn-test-teardown-${process.pid}-${Date.now().toString(36)}`;
      process.env.CWN_TEST_TMP_DIR = fake;
      await globalTeardown();
      expect(existsSync(fake)).toBe(false);
    } finally {
      process.env = saved;
    }
  });
});
