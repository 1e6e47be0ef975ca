#!/usr/bin/env node
// Runs `nuxt generate` when .output/public is missing or older than any source (the app, its
// config, the protocol it imports); prints how long it took. Used by `npm start` and the tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dashboard = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(dashboard, '.output', 'public', '200.html');
const sources = [
  join(dashboard, 'app'),
  join(dashboard, 'nuxt.config.ts'),
  join(dashboard, '..', 'protocol', 'src'),
];

const newest = (path) => {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce(
    (max, name) => Math.max(max, newest(join(path, name))),
    st.mtimeMs,
  );
};

const built = existsSync(marker) ? statSync(marker).mtimeMs : 0;
if (built > Math.max(...sources.map(newest)) && !process.argv.includes('--force')) {
  console.log('nuxt-dashboard: up to date');
  process.exit(0);
}
const started = Date.now();
console.log('nuxt-dashboard: building (nuxt generate) ...');
const r = spawnSync('npx', ['nuxt', 'generate'], {
  cwd: dashboard,
  env: { ...process.env, NUXT_TELEMETRY_DISABLED: '1' },
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
});
if (r.status !== 0) {
  console.error(
    `nuxt generate failed (exit ${r.status}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`,
  );
  process.exit(1);
}
console.log(`nuxt-dashboard: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
