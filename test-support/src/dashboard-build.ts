import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const DASHBOARD_DIR = join(__dirname, '..', '..', 'nuxt-dashboard');
export const PUBLIC_DIR = join(DASHBOARD_DIR, '.output', 'public');

/** Builds the app when a source is newer than the output (bin/build-if-stale.mjs, as npm start does). */
export function buildIfStale(): void {
  const r = spawnSync(process.execPath, [join(DASHBOARD_DIR, 'bin', 'build-if-stale.mjs')], {
    encoding: 'utf8',
  });
  process.stdout.write(`\n${r.stdout}`);
  if (r.status !== 0) throw new Error(`building nuxt-dashboard failed:\n${r.stdout}\n${r.stderr}`);
}
