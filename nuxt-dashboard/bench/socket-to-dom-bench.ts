/**
 * How long the /tv wallboard takes to show an agent's presence change: from the agent's socket
 * event to the tile's new state in Chromium's DOM (observed in the page, so the figure does not
 * include the test's polling). N samples, the agent switching between ringing, on a call and idle.
 *
 *   npx tsx nuxt-dashboard/bench/socket-to-dom-bench.ts [samples=30]
 *
 * Needs PostgreSQL, Redis and Debian's chromium; builds the dashboard when its sources changed;
 * uses a database and a key prefix of its own and drops them at the end.
 */
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@cwn/protocol';
import { startTestApp } from '@cwn/test-support/app';
import {
  deleteRedisPrefix,
  ensureTestTmpRoot,
  migratedDatabase,
  removeTestTmpRoot,
} from '@cwn/test-support/services';
import { launchChromium } from '@cwn/test-support/dashboard-browser';
import { buildIfStale } from '@cwn/test-support/dashboard-build';
import { FrontServer } from '@cwn/test-support/dashboard-front';

type AgentSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
const SAMPLES = Number(process.argv[2] ?? 30);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  buildIfStale();
  const db = await migratedDatabase('bench_tv');
  const prefix = `cwn-bench-tv-${Date.now().toString(36)}_${process.pid}`;
  process.env.CWN_TEST_DATABASE_URL = db.url;
  process.env.CWN_TEST_REDIS_PREFIX = prefix;
  ensureTestTmpRoot();
  const t = await startTestApp();
  const front = new FrontServer();
  front.setBackend(t.server);
  const base = await front.listen();
  const browser = await launchChromium();
  let agentSocket: AgentSocket | undefined;
  try {
    const admin = await t.userWithRole('admin');
    const agent = await t.userWithRole('agent', { extension: '201' });
    const kiosk = await t.http
      .post('/api/kiosk-tokens')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ name: 'bench' });
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${base}/tv?token=${kiosk.body.token}`);
    await page.waitForSelector('[data-test=tv][data-connection=live]');
    const tile = `[data-agent-id="${agent.user.id}"]`;
    await page.waitForSelector(tile);

    const s: AgentSocket = connect(t.url(), {
      auth: { token: agent.accessToken },
      transports: ['websocket'],
      reconnection: false,
    });
    agentSocket = s;
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });

    const states = ['ringing', 'on_call', 'idle'] as const;
    const ms: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const state = states[i % states.length]!;
      // The page notes when the tile turns (a MutationObserver, in the page's clock).
      // (A string, not a function: tsx's helpers do not exist in the page.)
      const turned = page.evaluate<number>(`new Promise((resolve) => {
        const sel = ${JSON.stringify(`${tile}[data-state="${state}"]`)};
        const observer = new MutationObserver(() => check());
        const check = () => {
          if (!document.querySelector(sel)) return;
          observer.disconnect();
          resolve(performance.timeOrigin + performance.now());
        };
        observer.observe(document.body, { attributes: true, subtree: true, childList: true });
        check();
      })`);
      turned.catch(() => undefined);
      // Give the observer time to be installed before the event is sent.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
      const sentAt = performance.timeOrigin + performance.now();
      await s.emitWithAck('agent.presence', { state, callId: null });
      ms.push((await turned) - sentAt);
    }
    ms.sort((a, b) => a - b);
    console.log(`| ${'from → to'.padEnd(40)} |   n |  p50 ms |  p95 ms |  max ms |`);
    console.log(`| ${'-'.repeat(40)} | --- | ------- | ------- | ------- |`);
    console.log(
      `| ${'agent presence event → /tv tile state'.padEnd(40)} | ${String(ms.length).padStart(3)} | ${[
        50, 95, 100,
      ]
        .map((p) => percentile(ms, p).toFixed(1).padStart(7))
        .join(' | ')} |`,
    );
  } finally {
    agentSocket?.disconnect();
    await browser.close();
    await front.close();
    await t.close();
    await deleteRedisPrefix(prefix);
    await db.drop();
    removeTestTmpRoot();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
