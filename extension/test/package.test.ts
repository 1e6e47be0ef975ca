/**
 * The store package `wxt zip` produces: no remote URL in any file (Chrome Web Store: no remotely
 * hosted code; @ffmpeg/ffmpeg's default core URL on unpkg must not ship), the content scripts at the
 * stable names the service worker registers at run time (not in the manifest), the offscreen page
 * and ffmpeg.wasm's core as the extension's own files, and the page content script kept small.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { zipExtension } from '@cwn/test-support/extension-harness';
import { BRIDGE_FILE, HOOK_FILE } from '../src/background/registration';

/** Every https:// string we mean to ship, and why it is not a remote resource. */
const MEANT_URLS = new Map<string, string>([
  ['https://*/*', 'optional host permission pattern (asked at run time)'],
  ['https://calls.example.com', 'placeholder of the options page'],
  ['https://pbx.example.com:5001/webclient/', 'placeholder of the options page'],
  ['https://json-schema.org/draft/2020-12/schema', "zod's JSON Schema dialect id, never fetched"],
  ['https://emscripten.org/docs/compiling/Dynamic-Linking.html', "ffmpeg-core's error text"],
  ['https://socket.io/docs/v3/migrating-from-2-x-to-3-0/', "socket.io-client's error text"],
  ['https://streams.videolan.org/upload/', "ffmpeg's log text ('upload a sample'), in the wasm"],
]);

let dir: string;
let files: Map<string, Buffer>;
beforeAll(() => {
  const built = zipExtension();
  dir = built.dir;
  const names = execFileSync('zipinfo', ['-1', built.zip], { encoding: 'utf8' })
    .split('\n')
    .filter((n) => n && !n.endsWith('/'));
  files = new Map(
    names.map((n) => [
      n,
      execFileSync('unzip', ['-p', built.zip, n], { maxBuffer: 64 * 1024 * 1024 }),
    ]),
  );
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the store package (wxt zip)', () => {
  it('carries no https:// URL but the ones we mean', () => {
    const found = new Map<string, string>();
    for (const [name, bytes] of files)
      for (const m of bytes.toString('latin1').matchAll(/https:\/\/[A-Za-z0-9*][^\s"'`<>)\\]*/g))
        found.set(m[0], name);
    const unexpected = [...found].filter(([url]) => !MEANT_URLS.has(url));
    expect(unexpected).toEqual([]);
  });

  it('has the content scripts at the names the worker registers, and not in the manifest', () => {
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.content_scripts).toBeUndefined();
    expect(manifest.host_permissions).toBeUndefined();
    expect(files.has(HOOK_FILE)).toBe(true);
    expect(files.has(BRIDGE_FILE)).toBe(true);
    expect(manifest).toMatchObject({
      manifest_version: 3,
      background: { service_worker: 'background.js' },
      action: { default_popup: 'popup/popup.html' },
      options_ui: { page: 'options/options.html', open_in_tab: true },
    });
    for (const f of [
      'offscreen/offscreen.html',
      'ffmpeg/worker.js',
      'ffmpeg/ffmpeg-core.js',
      'ffmpeg/ffmpeg-core.wasm',
    ])
      expect([f, files.has(f)]).toEqual([f, true]);
  });

  it('keeps the content script on every 3CX page load small (zod/mini, not zod: was 462 KB)', () => {
    expect(files.get(BRIDGE_FILE)!.byteLength).toBeLessThan(80 * 1024);
  });
});
