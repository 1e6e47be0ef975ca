/**
 * How long `/tv` takes to follow a call handled in the 3CX web client, end to end: the agent
 * answers (or hangs up) in the fake 3CX page, the extension reports it, the server turns it into
 * presence, the wallboard's tile switches. N calls, each answered then hung up.
 *
 *   npx tsx e2e/bench/tile-switch-bench.ts [calls=10]
 *
 * Needs PostgreSQL, Redis and Debian's chromium; builds the extension, and the dashboard when its
 * sources changed; uses a database and a key prefix of its own and drops them at the end.
 */
import {
  configureThroughOptions,
  openWebClient,
  startHarness,
  type Harness,
} from '@cwn/test-support/extension-harness';
import { launchChromium } from '@cwn/test-support/dashboard-browser';
import { buildIfStale } from '@cwn/test-support/dashboard-build';
import { FrontServer } from '@cwn/test-support/dashboard-front';
import {
  deleteRedisPrefix,
  ensureTestTmpRoot,
  migratedDatabase,
  removeTestTmpRoot,
} from '@cwn/test-support/services';

const CALLS = Number(process.argv[2] ?? 10);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  buildIfStale();
  const db = await migratedDatabase('bench_e2e');
  const prefix = `cwn-bench-e2e-${Date.now().toString(36)}_${process.pid}`;
  process.env.CWN_TEST_DATABASE_URL = db.url;
  process.env.CWN_TEST_REDIS_PREFIX = prefix;
  ensureTestTmpRoot();
  let h: Harness | undefined;
  const front = new FrontServer();
  const dashboard = await launchChromium();
  try {
    h = await startHarness({ serverEnv: { DATABASE_URL: db.url, REDIS_PREFIX: prefix } });
    const server = h.server;
    front.setBackend(server.server);
    const base = await front.listen();
    const admin = await server.userWithRole('admin');
    const agent = (await server.models.User.findOne({ where: { email: h.agentEmail } }))!;
    const kiosk = await server.http
      .post('/api/kiosk-tokens')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ name: 'bench' });
    const tv = await dashboard.newPage({ viewport: { width: 1920, height: 1080 } });
    await tv.goto(`${base}/tv?token=${kiosk.body.token}`);
    await tv.waitForSelector('[data-test=tv][data-connection=live]');
    const tile = `[data-agent-id="${agent.id}"]`;
    await tv.waitForSelector(tile);

    const webClient = await openWebClient(h);
    const reloaded = webClient.waitForEvent('load', { timeout: 20_000 });
    await configureThroughOptions(h);
    await reloaded;
    await webClient.waitForSelector('#push-state[data-state=open]', { timeout: 15_000 });

    const answered: number[] = [];
    const hungUp: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const call = h.fake.placeInboundCall(`+33 6 11 22 33 ${String(10 + i)}`, `Caller ${i}`);
      await webClient.click(`#call-${call.connectionId} .btn-answer`);
      await webClient.waitForSelector(`#call-${call.connectionId}[data-state=connected]`);
      let t0 = performance.now();
      await tv.waitForSelector(`${tile}[data-state=on_call]`, { timeout: 30_000 });
      answered.push(performance.now() - t0);
      await webClient.click(`#call-${call.connectionId} .btn-hang-up`);
      t0 = performance.now();
      await tv.waitForSelector(`${tile}[data-state=idle]`, { timeout: 30_000 });
      hungUp.push(performance.now() - t0);
    }

    const row = (name: string, ms: number[]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return `| ${name.padEnd(36)} | ${String(ms.length).padStart(3)} | ${[50, 95, 100]
        .map((p) => percentile(sorted, p).toFixed(0).padStart(7))
        .join(' | ')} |`;
    };
    console.log(`| ${'from → to'.padEnd(36)} |   n |  p50 ms |  p95 ms |  max ms |`);
    console.log(`| ${'-'.repeat(36)} | --- | ------- | ------- | ------- |`);
    console.log(row('answered in 3CX → /tv tile on a call', answered));
    console.log(row('hung up in 3CX → /tv tile idle', hungUp));
  } finally {
    await dashboard.close();
    await front.close();
    await h?.close();
    await deleteRedisPrefix(prefix);
    await db.drop();
    removeTestTmpRoot();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
