import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const PWA_DIR = resolve(__dirname, '../../pwa');
export const DIST_DIR = join(PWA_DIR, 'dist');
const STAMP = join(DIST_DIR, '.built-from');
const INPUTS = [
  'test',
  'src',
  'vite-plugins',
  'index.html',
  'vite.config.ts',
  'tsconfig.json',
  'tsconfig.node.json',
  '../protocol/src',
  '../package-lock.json',
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce(
    (max, name) => Math.max(max, newestMtime(join(path, name))),
    st.mtimeMs,
  );
}

function run(args: string[]): void {
  // jest sets NODE_ENV=test, which would make Vite build a development bundle.
  const res = spawnSync('npx', args, {
    cwd: PWA_DIR,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (res.status !== 0) {
    throw new Error(
      `pwa: \`npx ${args.join(' ')}\` failed (exit ${res.status}):\n${res.stdout}\n${res.stderr}`,
    );
  }
}

/**
 * Type-checks the app, its service worker and its tests (vue-tsc for .vue files, which the root
 * `tsc -b` cannot read) and builds it with Vite, only when a source or test is newer than the last
 * build: a second test run costs nothing here.
 */
export function buildPwaIfStale(): void {
  const newest = Math.max(...INPUTS.map((p) => newestMtime(join(PWA_DIR, p))));
  if (existsSync(STAMP) && statSync(STAMP).mtimeMs >= newest) return;
  const started = Date.now();
  run(['vue-tsc', '--noEmit', '-p', 'tsconfig.json']);
  run(['tsc', '--noEmit', '-p', 'src/service-worker/tsconfig.json']);
  run(['tsc', '--noEmit', '-p', 'tsconfig.node.json']);
  run(['vite', 'build', '--logLevel', 'warn']);
  writeFileSync(STAMP, new Date().toISOString());
  console.log(`pwa: type-checked and built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
