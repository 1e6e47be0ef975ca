import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const DASHBOARD_DIR = join(__dirname, '..', '..');
export const PUBLIC_DIR = join(DASHBOARD_DIR, '.output', 'public');
const BUILT_MARKER = join(PUBLIC_DIR, 'index.html');
const SOURCES = [join(DASHBOARD_DIR, 'app'), join(DASHBOARD_DIR, 'nuxt.config.ts'), join(DASHBOARD_DIR, '..', 'protocol', 'src')];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), st.mtimeMs);
}

/** Runs `nuxt generate` when the output is missing or older than any source; returns seconds spent (0: up to date). */
export function buildIfStale(): number {
  const built = existsSync(BUILT_MARKER) ? statSync(BUILT_MARKER).mtimeMs : 0;
  if (built > Math.max(...SOURCES.map(newestMtime))) return 0;
  const started = Date.now();
  console.log('\nbuilding nuxt-dashboard (nuxt generate) ...');
  const r = spawnSync('npx', ['nuxt', 'generate'], {
    cwd: DASHBOARD_DIR,
    env: { ...process.env, NUXT_TELEMETRY_DISABLED: '1' },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    throw new Error(`nuxt generate failed (exit ${r.status}):\n${(r.stdout ?? '').slice(-4000)}\n${(r.stderr ?? '').slice(-4000)}`);
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`nuxt-dashboard built in ${seconds.toFixed(1)} s`);
  return seconds;
}
