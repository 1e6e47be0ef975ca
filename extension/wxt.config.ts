// The extension's build (WXT, see docs/decisions/0501-extension-on-wxt.md). Source folders keep
// the names of where their code runs; WXT finds the pages and the background in src/, and the two
// content scripts, which live in src/content/<world>/, are added here under stable names.
// CWN_EXTENSION_LOOPBACK=1 pre-grants http://127.0.0.1 and localhost for the headless tests, which
// cannot click a permission prompt.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'wxt';
import type { Plugin } from 'vite';
import { en } from './src/shared/locales/en';
import { fr } from './src/shared/locales/fr';
import { managedSchema } from './src/shared/managed-policy';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const loopback = process.env.CWN_EXTENSION_LOOPBACK === '1';
/**
 * CWN_EXTENSION_HOSTS (comma-separated match patterns, e.g. `https://company.3cx.eu/*`): hosts
 * granted at install instead of asked at run time, for a managed deployment where the agent only
 * logs in (a force-installed extension gets its manifest permissions without a prompt).
 */
const presetHosts = (process.env.CWN_EXTENSION_HOSTS ?? '')
  .split(',')
  .map((h) => h.trim())
  .filter(Boolean);
const hostPermissions = [
  ...(loopback ? ['http://127.0.0.1/*', 'http://localhost/*'] : []),
  ...presetHosts,
];

/** Pages keep the paths they had (bookmarks, tests, the popup's link to the options). */
const PAGE_DIRS = new Set(['popup', 'options', 'offscreen']);

/** The content scripts: WXT name (→ content-scripts/<name>.js) and entrypoint file. */
const CONTENT_SCRIPTS = [
  { name: 'hook', inputPath: join(here, 'src/content/main-world/index.ts') },
  { name: 'bridge', inputPath: join(here, 'src/content/isolated/index.ts') },
];

/** A package's folder (these packages do not export their package.json). */
function packageDir(name: string): string {
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`${name} is not installed`);
}

/**
 * @ffmpeg/ffmpeg's default core URL points at unpkg. We always pass our own coreURL, but the
 * string would still ship (store review: no remotely hosted code), so it becomes the extension's
 * own copy of the core.
 */
export const LOCAL_CORE_URL = '/ffmpeg/ffmpeg-core.js';
export function withoutRemoteCore(code: string): string {
  return code.replace(
    /export const CORE_URL = `https:\/\/unpkg\.com\/[^`]*`;/,
    `export const CORE_URL = ${JSON.stringify(LOCAL_CORE_URL)};`,
  );
}
function noRemoteCore(): Plugin {
  return {
    name: 'cwn:ffmpeg-no-remote-core',
    transform(code, id) {
      if (!/@ffmpeg[\\/]ffmpeg[\\/]dist[\\/]esm[\\/]const\.js$/.test(id)) return null;
      return { code: withoutRemoteCore(code), map: null };
    },
  };
}

/** chrome.i18n's format: `{ key: { message } }` (`$1`…`$9` are the substitutions). */
export function messagesJson(dict: Record<string, string>): string {
  const out: Record<string, { message: string }> = {};
  for (const [key, message] of Object.entries(dict)) out[key] = { message };
  return `${JSON.stringify(out, null, 2)}\n`;
}

export default defineConfig({
  root: here,
  srcDir: 'src',
  entrypointsDir: '.',
  publicDir: 'public',
  outDir: 'build',
  outDirTemplate: 'chrome-mv3',
  imports: false,
  // The store package: build/3cx-call-recorder-<version>-chrome.zip.
  zip: { name: '3cx-call-recorder' },
  modules: ['@wxt-dev/webextension-polyfill'],
  manifestVersion: 3,
  browser: 'chrome',
  manifest: () => {
    return {
      name: '__MSG_extName__',
      description: '__MSG_extDescription__',
      default_locale: 'en',
      minimum_chrome_version: '116',
      permissions: ['storage', 'scripting', 'offscreen', 'alarms', 'tabCapture'],
      optional_host_permissions: ['https://*/*', 'http://*/*'],
      ...(hostPermissions.length ? { host_permissions: hostPermissions } : {}),
      storage: { managed_schema: 'managed_schema.json' },
      action: { default_title: '3CX call recorder' },
      options_ui: { open_in_tab: true },
      content_security_policy: {
        extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'",
      },
    };
  },
  vite: () => ({
    resolve: { alias: { '@cwn/protocol': resolve(here, '../protocol/src/index.ts') } },
    plugins: [noRemoteCore()],
    worker: { plugins: () => [noRemoteCore()] },
    build: { target: 'chrome116', minify: true, sourcemap: false },
  }),
  hooks: {
    'entrypoints:found': (_wxt, infos) => {
      for (const cs of CONTENT_SCRIPTS) infos.push({ ...cs, type: 'content-script' });
    },
    'entrypoints:resolved': (wxt, entrypoints) => {
      for (const e of entrypoints)
        if (PAGE_DIRS.has(e.name)) e.outputDir = join(wxt.config.outDir, e.name);
    },
    'build:publicAssets': (_wxt, files) => {
      // What an administrator may set by policy (chrome.storage.managed).
      files.push({
        contents: `${JSON.stringify(managedSchema(), null, 2)}\n`,
        relativeDest: 'managed_schema.json',
      });
      // The popup's and options' strings for chrome.i18n, from src/shared/locales/*.ts.
      for (const [lang, dict] of Object.entries({ en, fr }))
        files.push({
          contents: messagesJson(dict),
          relativeDest: `_locales/${lang}/messages.json`,
        });
      // ffmpeg.wasm's ESM worker (it resolves its imports next to itself) and the single-thread
      // core, served from the extension's own files.
      const ffmpegEsm = join(packageDir('@ffmpeg/ffmpeg'), 'dist/esm');
      const coreEsm = join(packageDir('@ffmpeg/core'), 'dist/esm');
      for (const f of ['worker.js', 'errors.js'])
        files.push({ absoluteSrc: join(ffmpegEsm, f), relativeDest: `ffmpeg/${f}` });
      files.push({
        contents: withoutRemoteCore(readFileSync(join(ffmpegEsm, 'const.js'), 'utf8')),
        relativeDest: 'ffmpeg/const.js',
      });
      for (const f of ['ffmpeg-core.js', 'ffmpeg-core.wasm'])
        files.push({ absoluteSrc: join(coreEsm, f), relativeDest: `ffmpeg/${f}` });
    },
  },
});
