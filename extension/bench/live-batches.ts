/**
 * Bench: the two ways to make the live stream's 16 kHz stereo PCM during a call
 * (docs/decisions/0502-extension-live-streaming.md), with the same ffmpeg.wasm build the extension
 * ships, in Debian's Chromium, in one run:
 *  A. ffmpeg.wasm run on the call's Opus/WebM so far (what the recorders store), once per batch:
 *     the cost of one batch at several call lengths (it decodes the call from its start);
 *  B. PCM captured in an AudioWorklet (48 kHz float stereo) and resampled batch by batch: the cost
 *     of one 2-second batch, which does not depend on the call's length.
 * Native ffmpeg (`-threads 1`) on the same inputs for scale.
 *
 *   npx tsx extension/bench/live-batches.ts [--minutes 1,5,10,30]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { ffmpegArgs, type PlanInput } from '../src/offscreen/ffmpeg-plan';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '1,5,10,30' } } });
const lengths = values.minutes.split(',').map(Number);
const work = mkdtempSync(join(tmpdir(), 'cwn-bench-live-'));
const pkgDir = (name: string): string => {
  for (const base of require.resolve.paths(name) ?? []) {
    if (existsSync(join(base, name, 'package.json'))) return join(base, name);
  }
  throw new Error(`${name} is not installed`);
};

function opus(file: string, hz: number, seconds: number): void {
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

/** Two seconds of 48 kHz float stereo, as an AudioWorklet would hand it over. */
function rawBatch(file: string): void {
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'sine=f=1000:d=2:r=48000',
    '-f',
    'lavfi',
    '-i',
    'sine=f=440:d=2:r=48000',
    '-filter_complex',
    '[0:a][1:a]amerge=inputs=2',
    '-f',
    'f32le',
    file,
  ]);
}

const RESAMPLE_ARGS = [
  '-f',
  'f32le',
  '-ar',
  '48000',
  '-ac',
  '2',
  '-i',
  'batch.raw',
  '-ar',
  '16000',
  '-ac',
  '2',
  '-c:a',
  'pcm_s16le',
  '-f',
  's16le',
  'batch.pcm',
];

async function main(): Promise<void> {
  const served: Record<string, string> = {};
  const plans: { minutes: number; args: string[] }[] = [];
  for (const minutes of lengths) {
    const a = `a${minutes}.webm`;
    const c = `c${minutes}.webm`;
    opus(join(work, a), 1000, minutes * 60);
    opus(join(work, c), 440, minutes * 60);
    served[`/in/${a}`] = join(work, a);
    served[`/in/${c}`] = join(work, c);
    const inputs: PlanInput[] = [
      { side: 'agent', file: a, startedAt: 0 },
      { side: 'caller', file: c, startedAt: 0 },
    ];
    plans.push({
      minutes,
      args: ffmpegArgs(inputs, null, 'live.pcm', {
        format: 's16le',
        openSides: ['agent', 'caller'],
      }),
    });
  }
  rawBatch(join(work, 'batch.raw'));
  served['/in/batch.raw'] = join(work, 'batch.raw');

  const native = (args: string[]) => {
    const t = performance.now();
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-threads', '1', ...args], { cwd: work });
    return performance.now() - t;
  };
  const nativeA = plans.map((p) => native(p.args));
  const nativeB = native(RESAMPLE_ARGS);

  const ffmpegEsm = join(pkgDir('@ffmpeg/ffmpeg'), 'dist/esm');
  const coreEsm = join(pkgDir('@ffmpeg/core'), 'dist/esm');
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
    let file: string | undefined;
    let type = 'application/octet-stream';
    if (path.startsWith('/ffmpeg/')) {
      file = join(ffmpegEsm, path.slice('/ffmpeg/'.length));
      type = 'text/javascript';
    } else if (path === '/core/ffmpeg-core.js') {
      file = join(coreEsm, 'ffmpeg-core.js');
      type = 'text/javascript';
    } else if (path === '/core/ffmpeg-core.wasm') {
      file = join(coreEsm, 'ffmpeg-core.wasm');
      type = 'application/wasm';
    } else file = served[path];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': type }).end(readFileSync(file));
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
      async ({ origin, plans, resample }) => {
        const FF = (
          window as unknown as {
            FFmpeg: new () => {
              load(o: object): Promise<void>;
              writeFile(n: string, d: Uint8Array): Promise<void>;
              deleteFile(n: string): Promise<void>;
              exec(a: string[]): Promise<number>;
            };
          }
        ).FFmpeg;
        const ff = new FF();
        await ff.load({
          coreURL: `${origin}/core/ffmpeg-core.js`,
          wasmURL: `${origin}/core/ffmpeg-core.wasm`,
        });
        const a: number[] = [];
        for (const p of plans) {
          for (const name of [`a${p.minutes}.webm`, `c${p.minutes}.webm`])
            await ff.writeFile(
              name,
              new Uint8Array(await (await fetch(`${origin}/in/${name}`)).arrayBuffer()),
            );
          const t = performance.now();
          if ((await ff.exec(p.args)) !== 0) throw new Error('ffmpeg.wasm failed (A)');
          a.push(performance.now() - t);
          await ff.deleteFile(`a${p.minutes}.webm`);
          await ff.deleteFile(`c${p.minutes}.webm`);
          await ff.deleteFile('live.pcm');
        }
        await ff.writeFile(
          'batch.raw',
          new Uint8Array(await (await fetch(`${origin}/in/batch.raw`)).arrayBuffer()),
        );
        const b: number[] = [];
        for (let i = 0; i < 5; i++) {
          const t = performance.now();
          if ((await ff.exec(resample)) !== 0) throw new Error('ffmpeg.wasm failed (B)');
          b.push(performance.now() - t);
        }
        return { a, b: b.slice(1).reduce((s, v) => s + v, 0) / 4 };
      },
      { origin, plans, resample: RESAMPLE_ARGS },
    );
    const s = (ms: number) => `${(ms / 1000).toFixed(2).padStart(7)} s`;
    console.log('\nOne live batch, ffmpeg.wasm (warm) against native ffmpeg -threads 1\n');
    console.log('| way                                         | ffmpeg.wasm |    native |');
    console.log('|---------------------------------------------|-------------|-----------|');
    plans.forEach((p, i) =>
      console.log(
        `| A. decode the call so far, at ${String(p.minutes).padStart(2)} min        |   ${s(wasm.a[i]!)} | ${s(nativeA[i]!)} |`,
      ),
    );
    console.log(
      `| B. resample a 2 s PCM batch (any call length) |   ${s(wasm.b)} | ${s(nativeB)} |`,
    );
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
