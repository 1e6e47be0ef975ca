/**
 * Bench: the extension's conversion (each side → 16 kHz, joined as a stereo WAV; the same ffmpeg
 * arguments as the offscreen document) of a two-sided call, ffmpeg.wasm (single-thread core, in
 * Debian's Chromium) against native ffmpeg (`-threads 1`) on the same input, in one run.
 *
 *   npx tsx extension/bench/ffmpeg-wasm-vs-native.ts [--minutes 10]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { ffmpegArgs, type PlanInput } from '../src/offscreen/ffmpeg-plan';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' } } });
const seconds = Number(values.minutes) * 60;
const work = mkdtempSync(join(tmpdir(), 'cwn-bench-'));
const pkgDir = (name: string): string => {
  for (const base of require.resolve.paths(name) ?? []) {
    if (existsSync(join(base, name, 'package.json'))) return join(base, name);
  }
  throw new Error(`${name} is not installed`);
};

function opus(file: string, hz: number): void {
  // Opus in WebM at 32 kb/s, as Chromium's MediaRecorder writes it.
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `sine=f=${hz}:d=${seconds}:r=48000`,
    '-c:a',
    'libopus',
    '-b:a',
    '32k',
    file,
  ]);
}

async function main(): Promise<void> {
  const agent = join(work, 'in0.webm');
  const caller = join(work, 'in1.webm');
  opus(agent, 1000);
  opus(caller, 440);
  const inputs: PlanInput[] = [
    { side: 'agent', file: 'in0.webm', startedAt: 0 },
    { side: 'caller', file: 'in1.webm', startedAt: 120 },
  ];
  const args = ffmpegArgs(inputs, seconds * 1000, 'out.wav');

  // Native, one thread.
  const t0 = performance.now();
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-threads', '1', ...args], { cwd: work });
  const nativeMs = performance.now() - t0;
  const nativeBytes = statSync(join(work, 'out.wav')).size;

  // ffmpeg.wasm in Chromium: the same ESM build and core the extension ships, served over HTTP.
  const ffmpegEsm = join(pkgDir('@ffmpeg/ffmpeg'), 'dist/esm');
  const coreEsm = join(pkgDir('@ffmpeg/core'), 'dist/esm');
  const files: Record<string, [string, string]> = {
    '/bench.html': ['', 'text/html'],
    '/core/ffmpeg-core.js': [join(coreEsm, 'ffmpeg-core.js'), 'text/javascript'],
    '/core/ffmpeg-core.wasm': [join(coreEsm, 'ffmpeg-core.wasm'), 'application/wasm'],
    '/in/in0.webm': [agent, 'audio/webm'],
    '/in/in1.webm': [caller, 'audio/webm'],
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/bench.html') {
      res
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end(
          '<!doctype html><script type="module">import { FFmpeg } from "/ffmpeg/index.js"; window.FFmpeg = FFmpeg;</script>',
        );
      return;
    }
    const file = path.startsWith('/ffmpeg/')
      ? [join(ffmpegEsm, path.slice('/ffmpeg/'.length)), 'text/javascript']
      : files[path];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': file[1]! }).end(readFileSync(file[0]!));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CWN_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/bench.html`);
    await page.waitForFunction(() => 'FFmpeg' in window);
    const wasm = await page.evaluate(
      async ({ origin, args }) => {
        const FF = (
          window as unknown as {
            FFmpeg: new () => {
              load(o: object): Promise<void>;
              writeFile(n: string, d: Uint8Array): Promise<void>;
              exec(a: string[]): Promise<number>;
              readFile(n: string): Promise<Uint8Array>;
            };
          }
        ).FFmpeg;
        const ff = new FF();
        const t0 = performance.now();
        await ff.load({
          coreURL: `${origin}/core/ffmpeg-core.js`,
          wasmURL: `${origin}/core/ffmpeg-core.wasm`,
        });
        const load = performance.now() - t0;
        for (const name of ['in0.webm', 'in1.webm']) {
          await ff.writeFile(
            name,
            new Uint8Array(await (await fetch(`${origin}/in/${name}`)).arrayBuffer()),
          );
        }
        const runs: number[] = [];
        let bytes = 0;
        for (let i = 0; i < 2; i++) {
          const t = performance.now();
          const code = await ff.exec(args);
          runs.push(performance.now() - t);
          if (code !== 0) throw new Error(`ffmpeg.wasm exited with ${code}`);
          bytes = (await ff.readFile('out.wav')).length;
        }
        return { load, cold: runs[0]!, warm: runs[1]!, bytes };
      },
      { origin, args },
    );
    const row = (name: string, ms: number) =>
      `| ${name.padEnd(34)} | ${(ms / 1000).toFixed(2).padStart(7)} s | ${(ms / nativeMs).toFixed(2).padStart(8)}× |`;
    console.log(
      `\nResample + join of a ${values.minutes}-minute two-sided call (2 × opus 32 kb/s → 16 kHz stereo PCM WAV)\n`,
    );
    console.log('| run                                |      time | vs native |');
    console.log('|------------------------------------|-----------|-----------|');
    console.log(row('native ffmpeg, -threads 1', nativeMs));
    console.log(row('ffmpeg.wasm load (core 0.12)', wasm.load));
    console.log(row('ffmpeg.wasm exec, first', wasm.cold));
    console.log(row('ffmpeg.wasm exec, warm', wasm.warm));
    console.log(`\noutput: native ${nativeBytes} bytes, wasm ${wasm.bytes} bytes`);
  } finally {
    await browser.close();
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
