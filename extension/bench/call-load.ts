/**
 * Bench: what recording costs during a call. The same call on the fake 3CX web client (agent
 * 1 kHz fake microphone, caller 440 Hz over real WebRTC) runs twice in one go, in Chromium
 * without the extension (baseline) and with it; we sum CPU time and sample the resident memory of
 * the whole Chromium process tree during the call, then time the extension's conversion after it.
 *
 *   npx tsx extension/bench/call-load.ts [--seconds 300]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';
import { startFake3cx, type Fake3cx } from '@cwn/fake-3cx';
import { buildExtensionOnce } from '@cwn/test-support/extension-harness';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '300' } } });
const seconds = Number(values.seconds);
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

  const startTicks = tree(profile).reduce((n, p) => n + p.cpuTicks, 0);
  const started = Date.now();
  let peakRssKb = 0;
  let sumRssKb = 0;
  let samples = 0;
  while (Date.now() - started < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const rss = tree(profile).reduce((n, p) => n + p.rssKb, 0);
    peakRssKb = Math.max(peakRssKb, rss);
    sumRssKb += rss;
    samples++;
  }
  const cpuS = (tree(profile).reduce((n, p) => n + p.cpuTicks, 0) - startTicks) / CLK_TCK;
  const wallS = (Date.now() - started) / 1000;
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
  return {
    cpuS,
    wallS,
    peakMb: peakRssKb / 1024,
    meanMb: sumRssKb / Math.max(1, samples) / 1024,
    conversionS,
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'cwn-call-bench-'));
  const mic = join(work, 'mic.wav');
  execFileSync('sox', [
    '-n',
    '-r',
    '48000',
    '-c',
    '1',
    '-b',
    '16',
    mic,
    'synth',
    String(seconds + 30),
    'sine',
    '1000',
    'vol',
    '0.5',
  ]);
  // The WXT build the e2e tests load (loopback hosts granted).
  const extDir = await buildExtensionOnce();
  const fake = await startFake3cx({ callerToneHz: 440 });
  try {
    const without = await runCall(fake, work, mic, null);
    const withExt = await runCall(fake, work, mic, extDir);
    const row = (name: string, r: typeof without) =>
      `| ${name.padEnd(20)} | ${r.cpuS.toFixed(1).padStart(8)} s | ${((r.cpuS / r.wallS) * 100).toFixed(1).padStart(6)} % | ${r.meanMb.toFixed(0).padStart(8)} MB | ${r.peakMb.toFixed(0).padStart(8)} MB |`;
    console.log(`\nA ${seconds}-second call, whole Chromium process tree (2-core VM)\n`);
    console.log('| run                  |  CPU time | CPU avg | mean RSS    | peak RSS    |');
    console.log('|----------------------|-----------|---------|-------------|-------------|');
    console.log(row('without extension', without));
    console.log(row('with extension', withExt));
    console.log(
      `\nextension overhead: CPU ×${(withExt.cpuS / without.cpuS).toFixed(2)} (+${(withExt.cpuS - without.cpuS).toFixed(1)} s), ` +
        `mean RSS +${(withExt.meanMb - without.meanMb).toFixed(0)} MB; conversion after hang-up (ffmpeg.wasm, incl. load): ${withExt.conversionS?.toFixed(1)} s`,
    );
  } finally {
    await fake.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
