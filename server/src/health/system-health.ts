import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type {
  AlertThresholds,
  HealthCheck,
  HealthCheckKey,
  HealthStatus,
  NinjaOneSettings,
  SystemHealth,
} from '@cwn/protocol';
import type { DashboardService } from '../dashboard/dashboard.service';
import { listOnlineWorkers } from '../dashboard/workers-registry';
import type { Queues } from '../queue/queues';
import { pingWhenReady, timed } from './health.routes';

/** Free space of the audio store below which the disk is red, and amber (percent of the volume). */
export const DISK_RED_PERCENT = 5;
export const DISK_AMBER_PERCENT = 15;
/** A database or Redis answering slower than this is amber. */
const SLOW_MS = 500;
/** How long the NinjaOne probe may take before it counts as unreachable. */
const NINJAONE_PROBE_MS = 5_000;

export interface SystemHealthDeps {
  sequelize: Sequelize;
  probeRedis: Redis;
  redis: Redis;
  redisPrefix: string;
  queues: Queues;
  dashboard: DashboardService;
  ninjaone: {
    view: () => Promise<NinjaOneSettings>;
    /** An authenticated read (one organization): throws when NinjaOne cannot be reached. */
    probe: () => Promise<unknown>;
  };
  storageDir: string;
  now: () => Date;
}

const RANK: Record<HealthStatus, number> = { green: 0, amber: 1, red: 2 };
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function check(
  key: HealthCheckKey,
  status: HealthStatus,
  reason: string | null,
  figure: number | null,
  unit: HealthCheck['unit'],
  data: Record<string, unknown> = {},
  detail: string | null = null,
): HealthCheck {
  return { key, status, reason, figure, unit, detail, data };
}

/**
 * The admin's health page, for people: PostgreSQL, Redis, the transcription workers, the queues,
 * the NinjaOne connection and the audio store's disk, each green, amber or red with the figure
 * that shows it and a reason the page turns into words and advice. Thresholds for workers and
 * queues are the wallboard's alert thresholds in force.
 */
export class SystemHealthService {
  constructor(private readonly d: SystemHealthDeps) {}

  async report(): Promise<SystemHealth> {
    const now = this.d.now();
    const thresholds = await this.d.dashboard.thresholds().catch(() => null);
    const checks = await Promise.all([
      this.postgres(),
      this.redisCheck(),
      this.workers(thresholds),
      this.queueCheck(now, thresholds),
      this.ninjaone(now, thresholds),
      this.disk(),
    ]);
    const status = checks.reduce<HealthStatus>(
      (worst, c) => (RANK[c.status] > RANK[worst] ? c.status : worst),
      'green',
    );
    return { generatedAt: now.toISOString(), status, checks };
  }

  private async postgres(): Promise<HealthCheck> {
    const r = await timed(() => this.d.sequelize.query('SELECT 1'), 2_000);
    if (!r.ok)
      return check(
        'postgres',
        'red',
        'unreachable',
        null,
        'ms',
        { waitedMs: r.latencyMs },
        r.error,
      );
    return check(
      'postgres',
      r.latencyMs > SLOW_MS ? 'amber' : 'green',
      r.latencyMs > SLOW_MS ? 'slow' : null,
      r.latencyMs,
      'ms',
    );
  }

  private async redisCheck(): Promise<HealthCheck> {
    const r = await timed(() => pingWhenReady(this.d.probeRedis), 2_000);
    if (!r.ok)
      return check('redis', 'red', 'unreachable', null, 'ms', { waitedMs: r.latencyMs }, r.error);
    return check(
      'redis',
      r.latencyMs > SLOW_MS ? 'amber' : 'green',
      r.latencyMs > SLOW_MS ? 'slow' : null,
      r.latencyMs,
      'ms',
    );
  }

  private async workers(t: AlertThresholds | null): Promise<HealthCheck> {
    try {
      const workers = await listOnlineWorkers(this.d.redis, this.d.redisPrefix);
      const min = t?.minWorkers ?? 1;
      const data = {
        expected: min,
        workers: workers.map((w) => ({
          id: w.id,
          host: w.host,
          model: w.model,
          gpu: w.gpu,
          active: w.active,
          concurrency: w.concurrency,
          lastSeenAt: w.lastSeenAt,
        })),
      };
      const n = workers.length;
      if (n === 0)
        return check('workers', min > 0 ? 'red' : 'amber', 'none_online', 0, 'workers', data);
      if (n < min) return check('workers', 'red', 'too_few', n, 'workers', data);
      return check('workers', 'green', null, n, 'workers', data);
    } catch (err) {
      return check('workers', 'red', 'unknown', null, 'workers', {}, message(err));
    }
  }

  private async queueCheck(now: Date, t: AlertThresholds | null): Promise<HealthCheck> {
    try {
      const [transcription, counts] = await Promise.all([
        this.d.dashboard.transcriptionQueue(now),
        Promise.all(
          this.d.queues.all().map(async (q) => {
            const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
            return { queue: q.name, ...c, failed: c.failed ?? 0 };
          }),
        ),
      ]);
      const data = { transcription, queues: counts };
      const backingUp =
        t !== null &&
        (transcription.waiting > t.queueDepth ||
          (transcription.oldestWaitingSeconds ?? 0) > t.oldestWaitingMinutes * 60);
      if (backingUp)
        return check('queues', 'amber', 'backing_up', transcription.waiting, 'jobs', data);
      const failed = counts.reduce((n, c) => n + c.failed, 0);
      if (failed > 0) return check('queues', 'amber', 'failed_jobs', failed, 'jobs', data);
      return check('queues', 'green', null, transcription.waiting, 'jobs', data);
    } catch (err) {
      return check('queues', 'red', 'unknown', null, 'jobs', {}, message(err));
    }
  }

  private async ninjaone(now: Date, t: AlertThresholds | null): Promise<HealthCheck> {
    let view: NinjaOneSettings;
    try {
      view = await this.d.ninjaone.view();
    } catch (err) {
      return check('ninjaone', 'red', 'unknown', null, 'ms', {}, message(err));
    }
    const data: Record<string, unknown> = {
      baseUrl: view.baseUrl,
      authMode: view.authMode,
      configured: view.configured,
      connected: view.connected,
    };
    if (!view.configured) return check('ninjaone', 'amber', 'not_configured', null, 'ms', data);
    if (view.authMode === 'authorization_code' && !view.connected) {
      return view.disconnectedAt
        ? check('ninjaone', 'red', 'disconnected', null, 'ms', data, view.disconnectedReason)
        : check('ninjaone', 'amber', 'not_connected', null, 'ms', data);
    }
    const probe = await timed(() => this.d.ninjaone.probe(), NINJAONE_PROBE_MS);
    if (!probe.ok)
      return check(
        'ninjaone',
        'red',
        'unreachable',
        null,
        'ms',
        { ...data, waitedMs: probe.latencyMs },
        probe.error ?? null,
      );
    const tickets = await this.d.dashboard
      .ninjaOneHealth(now, t?.ninjaOneFailureWindowMinutes ?? 15)
      .catch(() => ({ failing: null, detail: undefined }));
    if (tickets.failing)
      return check(
        'ninjaone',
        'red',
        'tickets_failing',
        probe.latencyMs,
        'ms',
        data,
        tickets.detail ?? null,
      );
    return check('ninjaone', 'green', null, probe.latencyMs, 'ms', data);
  }

  private async disk(): Promise<HealthCheck> {
    // The store's folder may not exist before the first recording: measure the volume it goes on.
    let dir = this.d.storageDir;
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    try {
      const s = await statfs(dir);
      const total = s.blocks * s.bsize;
      const free = s.bavail * s.bsize;
      const percent = total > 0 ? Math.round((free / total) * 1000) / 10 : 0;
      const data = {
        path: this.d.storageDir,
        freeBytes: free,
        totalBytes: total,
        freePercent: percent,
      };
      if (percent < DISK_RED_PERCENT)
        return check('disk', 'red', 'almost_full', percent, 'percent', data);
      if (percent < DISK_AMBER_PERCENT)
        return check('disk', 'amber', 'filling', percent, 'percent', data);
      return check('disk', 'green', null, percent, 'percent', data);
    } catch (err) {
      return check(
        'disk',
        'red',
        'unknown',
        null,
        'percent',
        { path: this.d.storageDir },
        message(err),
      );
    }
  }
}
