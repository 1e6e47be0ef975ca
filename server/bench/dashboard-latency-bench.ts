/**
 * How fast the wallboard hears of changes: an agent's presence → a supervisor's socket, and a job
 * queued for transcription → the `dashboard.changed` hint on a kiosk socket. N samples of each.
 *
 *   npx tsx server/bench/dashboard-latency-bench.ts [samples=50]
 *
 * Needs PostgreSQL and Redis (TEST_DATABASE_ADMIN_URL / TEST_REDIS_URL, as the tests); uses a
 * database and a key prefix of its own and drops them at the end.
 */
import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import {
  deleteRedisPrefix,
  ensureTestTmpRoot,
  migratedDatabase,
  removeTestTmpRoot,
} from '@cwn/test-support/services';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
const SAMPLES = Number(process.argv[2] ?? 50);

function dial(t: TestApp, token: string): Promise<ClientSocket> {
  const s: ClientSocket = connect(t.url(), {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function sample(n: number, once: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await once());
  return out.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const db = await migratedDatabase('bench_dash');
  const prefix = `cwn-bench-dash-${Date.now().toString(36)}_${process.pid}`;
  process.env.CWN_TEST_DATABASE_URL = db.url;
  process.env.CWN_TEST_REDIS_PREFIX = prefix;
  ensureTestTmpRoot();
  const t = await startTestApp();
  const sockets: ClientSocket[] = [];
  try {
    const supervisor = await t.userWithRole('supervisor');
    const agent = await t.userWithRole('agent');
    const admin = await t.userWithRole('admin');
    const kioskRes = await t.http
      .post('/api/kiosk-tokens')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ name: 'bench' });
    const watcher = await dial(t, supervisor.accessToken);
    const kiosk = await dial(t, kioskRes.body.token);
    const agentSocket = await dial(t, agent.accessToken);
    sockets.push(watcher, kiosk, agentSocket);

    const states = ['ringing', 'on_call', 'idle'] as const;
    let i = 0;
    const presence = await sample(SAMPLES, async () => {
      const state = states[i++ % states.length]!;
      const heard = new Promise<void>((resolve) => {
        const on = (p: { agentId: string; state: string }) => {
          if (p.agentId !== agent.user.id || p.state !== state) return;
          watcher.off('agent.presence', on);
          resolve();
        };
        watcher.on('agent.presence', on);
      });
      const t0 = performance.now();
      await agentSocket.emitWithAck('agent.presence', { state, callId: null });
      await heard;
      return performance.now() - t0;
    });

    const queue = await sample(SAMPLES, async () => {
      const heard = new Promise<void>((resolve) => {
        const on = (c: { reason: string }) => {
          if (c.reason !== 'queue') return;
          kiosk.off('dashboard.changed', on);
          resolve();
        };
        kiosk.on('dashboard.changed', on);
      });
      const t0 = performance.now();
      const job = await t.queues.transcription.add('transcribe', {
        recordingId: randomUUID(),
        callId: randomUUID(),
        channels: 2,
        durationMs: 1000,
        languageHint: null,
      });
      await heard;
      const ms = performance.now() - t0;
      await job.remove();
      // Let the removal's own hint go by before the next sample.
      await new Promise((r) => setTimeout(r, 300));
      return ms;
    });

    const row = (name: string, ms: number[]) =>
      `| ${name.padEnd(42)} | ${String(ms.length).padStart(3)} | ${[50, 95, 100]
        .map((p) => percentile(ms, p).toFixed(1).padStart(7))
        .join(' | ')} |`;
    console.log(`| ${'from → to'.padEnd(42)} |   n |  p50 ms |  p95 ms |  max ms |`);
    console.log(`| ${'-'.repeat(42)} | --- | ------- | ------- | ------- |`);
    console.log(row('agent presence → supervisor socket', presence));
    console.log(row('transcription job queued → kiosk hint', queue));
  } finally {
    for (const s of sockets) s.disconnect();
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
