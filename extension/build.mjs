// Builds the unpacked MV3 extension into build/ with esbuild (see docs/decisions/0500-extension-build-and-capture.md):
// one bundle per context, the HTML pages, ffmpeg.wasm's ESM build and single-thread core as static
// files, and the manifest. CWN_EXTENSION_LOOPBACK=1 pre-grants http://127.0.0.1 and localhost for
// the headless tests, which cannot click a permission prompt.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build');
const require = createRequire(import.meta.url);
const loopback = process.env.CWN_EXTENSION_LOOPBACK === '1';

export async function buildExtension({ outDir = out, loopbackHosts = loopback } = {}) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const common = {
    alias: { '@cwn/protocol': join(here, '../protocol/src/index.ts') },
    bundle: true,
    minify: true,
    target: 'chrome116',
    logLevel: 'warning',
    legalComments: 'none',
    sourcemap: false,
  };
  await Promise.all([
    build({
      ...common,
      format: 'iife',
      entryPoints: {
        background: join(here, 'src/background/index.ts'),
        'content/hook': join(here, 'src/content/main-world/hook.ts'),
        'content/bridge': join(here, 'src/content/isolated/bridge.ts'),
        'popup/popup': join(here, 'src/popup/index.ts'),
        'options/options': join(here, 'src/options/index.ts'),
      },
      outdir: outDir,
    }),
    // ESM: @ffmpeg/ffmpeg resolves its worker against import.meta.url.
    build({
      ...common,
      format: 'esm',
      entryPoints: { 'offscreen/index': join(here, 'src/offscreen/index.ts') },
      outdir: outDir,
    }),
  ]);
  for (const page of [
    'popup/popup.html',
    'options/options.html',
    'offscreen/offscreen.html',
    'ui.css',
  ]) {
    cpSync(join(here, 'src', page), join(outDir, page));
  }
  const packageDir = (name) => {
    for (const base of require.resolve.paths(name) ?? []) {
      const dir = join(base, name);
      if (existsSync(join(dir, 'package.json'))) return dir;
    }
    throw new Error(`${name} is not installed`);
  };
  const ffmpegEsm = join(packageDir('@ffmpeg/ffmpeg'), 'dist/esm');
  const coreEsm = join(packageDir('@ffmpeg/core'), 'dist/esm');
  mkdirSync(join(outDir, 'ffmpeg'), { recursive: true });
  for (const f of ['worker.js', 'const.js', 'errors.js'])
    cpSync(join(ffmpegEsm, f), join(outDir, 'ffmpeg', f));
  for (const f of ['ffmpeg-core.js', 'ffmpeg-core.wasm'])
    cpSync(join(coreEsm, f), join(outDir, 'ffmpeg', f));

  const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
  const manifest = {
    manifest_version: 3,
    name: '3CX call recorder',
    version: pkg.version,
    description: pkg.description,
    minimum_chrome_version: '116',
    permissions: ['storage', 'scripting', 'offscreen', 'alarms', 'tabCapture'],
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    ...(loopbackHosts ? { host_permissions: ['http://127.0.0.1/*', 'http://localhost/*'] } : {}),
    background: { service_worker: 'background.js' },
    action: { default_popup: 'popup/popup.html', default_title: '3CX call recorder' },
    options_ui: { page: 'options/options.html', open_in_tab: true },
    content_security_policy: {
      extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'",
    },
  };
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const dir = await buildExtension();
  console.log(`extension built in ${Date.now() - started} ms: ${dir}`);
}
