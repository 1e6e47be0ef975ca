/**
 * Bench: what recording costs during a call, and how soon the final transcript is in the popup.
 *
 * Load: the same call on the fake 3CX web client (agent 1 kHz fake microphone, caller 440 Hz
 * over real WebRTC, both in bursts with pauses) runs in one go in Chromium without the extension
 * (baseline), with it recording for the whole-call upload (no server: `--whole`), and with it
 * streaming live to the real server (createApp; live streaming switched on, as the options page
 * does); we sum CPU time and sample the resident memory of the whole Chromium process tree during
 * the call (the server and the worker are not counted), then time what follows the hang-up.
 *
 * Final transcript: live calls of each `--final` length with the popup open; from the hang-up
 * click to the final transcript's first segment in the popup's transcript panel. The windows are
 * transcribed by the REAL worker in process (test-support/worker.ts: whisper.cpp on the CPU with
 * the generated test model; not part of the Chromium tree measured, but it shares the CPUs): this
 * times the extension's tail, the close, the server's transcript and the popup, with a small
 * model's transcription in the way as in production. Calls run in real time
 * (the fake devices play through WebRTC at their own pace): a 30-minute figure takes 30 minutes.
 *
 *   npx tsx extension/bench/call-load.ts [--seconds 300] [--final 60,600] [--whole]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';
import { startFake3cx, type Fake3cx } from '@cwn/fake-3cx';
import {
  buildExtensionOnce,
  configureThroughOptions,
  openWebClient,
  startHarness,
  type Harness,
} from '@cwn/test-support/extension-harness';
import { ensureTestTmpRoot, migratedDatabase } from '@cwn/test-support/services';
import { startInProcessWorker } from '@cwn/test-support/worker';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    final: { type: 'string', default: '60,600' },
    whole: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const finals = values.final
  .split(',')
  .map((v) => Number(v.trim()))
  .filter((v) => v > 0);
const CLK_TCK = 100;
const PAGE_KB = 4;

interface Proc {
  pid: number;
  ppid: number;
  cpuTicks: number;
  rssKb: number;
  cmd: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      out.push({
        pid: Number(name),
        ppid: Number(rest[1]),
        cpuTicks: Number(rest[11]) + Number(rest[12]),
        rssKb: Number(rest[21]) * PAGE_KB,
        cmd,
      });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** The browser process (found by its unique profile folder) and all its descendants. */
function tree(profile: string): Proc[] {
  const all = processes();
  const root = all.find((p) => p.cmd.includes(profile) && !p.cmd.includes('--type='));
  if (!root) return [];
  const ids = new Set([root.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) if (!ids.has(p.pid) && ids.has(p.ppid)) grew = ids.add(p.pid).size > 0;
  }
  return all.filter((p) => ids.has(p.pid));
}

async function launch(
  profile: string,
  mic: string,
  extDir: string | null,
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CWN_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    ignoreDefaultArgs: ['--mute-audio'],
    args: [
      ...(extDir ? [`--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`] : []),
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${mic}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** CPU and memory of the Chromium tree (found by `key` in its command line) while `ms` pass. */
async function measure(key: string, ms: number) {
  const startTicks = tree(key).reduce((n, p) => n + p.cpuTicks, 0);
  const started = Date.now();
  let peakRssKb = 0;
  let sumRssKb = 0;
  let samples = 0;
  while (Date.now() - started < ms) {
    await new Promise((r) => setTimeout(r, 1000));
    const rss = tree(key).reduce((n, p) => n + p.rssKb, 0);
    peakRssKb = Math.max(peakRssKb, rss);
    sumRssKb += rss;
    samples++;
  }
  const cpuS = (tree(key).reduce((n, p) => n + p.cpuTicks, 0) - startTicks) / CLK_TCK;
  const wallS = (Date.now() - started) / 1000;
  return { cpuS, wallS, peakMb: peakRssKb / 1024, meanMb: sumRssKb / Math.max(1, samples) / 1024 };
}

async function runCall(fake: Fake3cx, work: string, mic: string, extDir: string | null) {
  const profile = mkdtempSync(join(work, extDir ? 'with-' : 'without-'));
  const ctx = await launch(profile, mic, extDir);
  await ctx.grantPermissions(['microphone'], { origin: fake.origin });
  if (extDir) {
    const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker'));
    await sw.evaluate(
      (pbxUrl) =>
        chrome.storage.local.set({ settings: { serverUrl: 'http://127.0.0.1:9/', pbxUrl } }),
      `${fake.origin}/webclient/`,
    );
    for (
      let i = 0;
      i < 100 &&
      (await sw.evaluate(() => chrome.scripting.getRegisteredContentScripts())).length < 2;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const page = await ctx.newPage();
  await page.goto(fake.webClientUrl);
  await page.waitForSelector('#push-state[data-state=open]');
  const call = fake.placeInboundCall('+49 30 000', 'Bench');
  await page.click(`#call-${call.connectionId} .btn-answer`);
  await page.waitForSelector(`#call-${call.connectionId}[data-state=connected]`);

  const load = await measure(profile, seconds * 1000);
  await page.click(`#call-${call.connectionId} .btn-hang-up`);

  let conversionS: number | null = null;
  if (extDir) {
    const t = Date.now();
    const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker'));
    for (;;) {
      const status = await sw.evaluate(
        () =>
          new Promise<string | null>((resolve) => {
            const open = indexedDB.open('cwn-extension');
            open.onsuccess = () => {
              const req = open.result.transaction('uploads').objectStore('uploads').getAll();
              req.onsuccess = () =>
                resolve((req.result as { status: string }[])[0]?.status ?? null);
              req.onerror = () => resolve(null);
            };
            open.onerror = () => resolve(null);
          }),
      );
      if (status && status !== 'converting') break;
      if (Date.now() - t > 600_000) throw new Error('conversion did not finish');
      await new Promise((r) => setTimeout(r, 250));
    }
    conversionS = (Date.now() - t) / 1000;
  }
  await ctx.close();
  return { ...load, conversionS };
}

/** The extension's live state of a call: bytes the server holds (its offset). */
async function liveSent(h: Harness, connectionId: number): Promise<number> {
  const sw = await h.worker();
  return sw.evaluate(
    (suffix) =>
      new Promise<number>((resolve) => {
        const open = indexedDB.open('cwn-extension');
        open.onsuccess = () => {
          const req = open.result.transaction('live').objectStore('live').getAll();
          req.onsuccess = () =>
            resolve(
              (req.result as { id: string; sent: number }[]).find((r) => r.id.endsWith(suffix))
                ?.sent ?? 0,
            );
          req.onerror = () => resolve(0);
        };
        open.onerror = () => resolve(0);
      }),
    `:${connectionId}`,
  );
}

/**
 * One live call of `callS` seconds on the harness: with `popup`, the popup is open during it and
 * the time from the hang-up to the final transcript in it is taken; `load` measures Chromium.
 */
async function liveCall(
  h: Harness,
  extDir: string,
  callS: number,
  opts: { popup: boolean; load: boolean },
) {
  const page = await openWebClient(h);
  const popup = opts.popup ? await h.ctx.newPage() : null;
  if (popup) {
    await popup.goto(`chrome-extension://${h.extensionId}/popup/popup.html`);
    await popup.waitForSelector('#recent-state:has-text("Live.")', { timeout: 20_000 });
  }
  const call = h.fake.placeInboundCall('+49 30 000', 'Bench');
  await page.click(`#call-${call.connectionId} .btn-answer`);
  await page.waitForSelector(`#call-${call.connectionId}[data-state=connected]`);
  const answeredAt = Date.now();
  const load = opts.load ? await measure(extDir, callS * 1000) : null;
  if (!load) await new Promise((r) => setTimeout(r, callS * 1000));
  const sentBytes = await liveSent(h, call.connectionId);
  const liveSegments = popup ? await popup.locator('.live-segments > li').count() : 0;
  await page.click(`#call-${call.connectionId} .btn-hang-up`);
  const hungUpAt = Date.now();
  let finalS: number | null = null;
  if (popup) {
    await popup
      .locator('#transcript-panel:not([hidden]) #segments > li')
      .first()
      .waitFor({ timeout: 600_000 });
    finalS = (Date.now() - hungUpAt) / 1000;
    await popup.close();
  }
  await page.close();
  // Audio the server did not hold yet when the agent hung up (what the tail had to carry).
  const unsentS = Math.max(0, (hungUpAt - answeredAt) / 1000 - sentBytes / (16000 * 4));
  return { load, finalS, unsentS, liveSegments };
}

function bursts(file: string, hz: number, total: number, lead: number): string {
  // 1.4 s of tone, 1.4 s of pause: the server's detector cuts a window at each pause.
  execFileSync('sox', [
    '-n',
    '-r',
    '48000',
    '-c',
    '1',
    '-b',
    '16',
    file,
    'synth',
    '1.4',
    'sine',
    String(hz),
    'vol',
    '0.5',
    'pad',
    String(lead),
    '1.4',
    'repeat',
    String(Math.ceil(total / 2.8)),
  ]);
  return file;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'cwn-call-bench-'));
  const longest = Math.max(seconds, ...finals);
  const mic = bursts(join(work, 'mic.wav'), 1000, longest + 60, 0);
  const caller = bursts(join(work, 'caller.wav'), 440, longest + 60, 0.7);
  // The WXT build the e2e tests load (loopback hosts granted).
  const extDir = await buildExtensionOnce();
  const fake = await startFake3cx({ callerToneHz: 440, callerAudioFile: caller });
  // The live rows: the real server on a database and Redis prefix of their own.
  const db = await migratedDatabase('bench_call');
  process.env.CWN_TEST_DATABASE_URL = db.url;
  process.env.CWN_TEST_REDIS_PREFIX = `cwn-bench-call-${process.pid}`;
  ensureTestTmpRoot();
  let h: Harness | null = null;
  let stopWorker: (() => Promise<void>) | null = null;
  try {
    // Each figure is printed as soon as it is taken (a run cut short keeps what it measured).
    const note = (name: string, r: Awaited<ReturnType<typeof measure>>) =>
      console.log(
        `[bench] ${name}: CPU ${r.cpuS.toFixed(1)} s over ${r.wallS.toFixed(0)} s, mean RSS ${r.meanMb.toFixed(0)} MB, peak ${r.peakMb.toFixed(0)} MB`,
      );
    const without = await runCall(fake, work, mic, null);
    note('without extension', without);
    const whole = values.whole ? await runCall(fake, work, mic, extDir) : null;
    h = await startHarness({
      live: true,
      ownDatabase: true,
      agentMicFile: mic,
      callerAudioFile: caller,
      serverEnv: { LIVE_VAD: 'energy', LOG_LEVEL: 'silent' },
    });
    // The harness gave the app a Redis prefix of its own (ownDatabase): the worker takes its queue.
    const worker = await startInProcessWorker(h.server, 'ext-call-load');
    stopWorker = () => worker.stop();
    const web = await openWebClient(h);
    const reloaded = web.waitForEvent('load', { timeout: 20_000 });
    await configureThroughOptions(h);
    await reloaded;
    await web.close();
    const liveExtDir = await buildExtensionOnce();
    const live = await liveCall(h, liveExtDir, seconds, { popup: false, load: true });
    note('with extension, live', live.load!);
    console.log(
      `[bench] live: audio not yet held by the server at the hang-up ${live.unsentS.toFixed(1)} s`,
    );
    const finalRows: { callS: number; finalS: number; unsentS: number; segments: number }[] = [];
    for (const callS of finals) {
      const r = await liveCall(h, liveExtDir, callS, { popup: true, load: false });
      finalRows.push({ callS, finalS: r.finalS!, unsentS: r.unsentS, segments: r.liveSegments });
      console.log(
        `[bench] ${callS}-s call: final transcript in the popup ${r.finalS!.toFixed(1)} s after the hang-up (${r.unsentS.toFixed(1)} s of audio not yet sent then, ${r.liveSegments} live segments shown)`,
      );
    }

    type Load = Awaited<ReturnType<typeof measure>>;
    const row = (name: string, r: Load) =>
      `| ${name.padEnd(30)} | ${r.cpuS.toFixed(1).padStart(8)} s | ${((r.cpuS / r.wallS) * 100).toFixed(1).padStart(6)} % | ${r.meanMb.toFixed(0).padStart(8)} MB | ${r.peakMb.toFixed(0).padStart(8)} MB |`;
    console.log(`\nA ${seconds}-second call, whole Chromium process tree (shared 2-core VM)\n`);
    console.log(
      '| run                            |  CPU time | CPU avg | mean RSS    | peak RSS    |',
    );
    console.log(
      '|--------------------------------|-----------|---------|-------------|-------------|',
    );
    console.log(row('without extension', without));
    if (whole) console.log(row('with extension, whole-call', whole));
    console.log(row('with extension, live (default)', live.load!));
    const over = (r: Load) =>
      `CPU ×${(r.cpuS / without.cpuS).toFixed(2)} (+${(r.cpuS - without.cpuS).toFixed(1)} s), mean RSS +${(r.meanMb - without.meanMb).toFixed(0)} MB`;
    if (whole)
      console.log(
        `\nwhole-call: ${over(whole)}; conversion after hang-up (ffmpeg.wasm, incl. load): ${whole.conversionS?.toFixed(1)} s`,
      );
    console.log(
      `live: ${over(live.load!)}; audio the server did not hold yet at the hang-up: ${live.unsentS.toFixed(1)} s`,
    );
    console.log(
      '\nHang-up → final transcript in the popup (live call, the real worker, generated model)\n',
    );
    console.log(
      '| call      | final transcript | audio not yet sent at hang-up | live segments shown |',
    );
    console.log(
      '|-----------|------------------|-------------------------------|---------------------|',
    );
    for (const r of finalRows)
      console.log(
        `| ${`${r.callS} s`.padEnd(9)} | ${`${r.finalS.toFixed(1)} s`.padStart(16)} | ${`${r.unsentS.toFixed(1)} s`.padStart(29)} | ${String(r.segments).padStart(19)} |`,
      );
  } finally {
    await stopWorker?.();
    await h?.close();
    await fake.close();
    await db.drop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
