import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type {
  AgentPresence,
  AlertThresholds,
  DashboardAgent,
  DashboardQueue,
  DashboardSummary,
} from '@cwn/protocol';
import type { Models } from '../db/models';
import type { Queues } from '../queue/queues';
import { computeAlerts, DEFAULT_ALERT_THRESHOLDS, type AlertInputs } from './alerts';
import { computeCounters, localDay } from './counters';
import type { PresenceStore } from './presence-store';
import { listOnlineWorkers } from './workers-registry';

export interface DashboardDeps {
  sequelize: Sequelize;
  models: Models;
  redis: Redis;
  redisPrefix: string;
  queues: Queues;
  presence: PresenceStore;
  now: () => Date;
  /** The thresholds in force (the settings store's, read at each summary). */
  thresholds?: () => Promise<AlertThresholds>;
  /** The NinjaOne connection NinjaOne dropped (refresh token refused), or null. */
  ninjaOneDisconnection?: () => Promise<{ since: string; reason: string } | null>;
  /** The agents whose call is transcribed live now (the live module). */
  agentsStreaming: () => Promise<string[]>;
}

/** Builds the wallboard's summary from the database, Redis (presence, heartbeats) and BullMQ. */
export class DashboardService {
  constructor(private readonly d: DashboardDeps) {}

  async summary(): Promise<DashboardSummary> {
    const now = this.d.now();
    const thresholds = await this.thresholds();
    const [agents, counters, queue, workers, ninjaOne] = await Promise.all([
      this.agents(),
      computeCounters({ sequelize: this.d.sequelize, day: localDay(now) }),
      this.transcriptionQueue(now),
      listOnlineWorkers(this.d.redis, this.d.redisPrefix),
      this.ninjaOneHealth(now, thresholds.ninjaOneFailureWindowMinutes),
    ]);
    return {
      generatedAt: now.toISOString(),
      agents,
      counters,
      queue,
      workers,
      alerts: computeAlerts({ workers, queue, ninjaOne }, thresholds),
    };
  }

  thresholds(): Promise<AlertThresholds> {
    return this.d.thresholds ? this.d.thresholds() : Promise.resolve(DEFAULT_ALERT_THRESHOLDS);
  }

  /** Active agents, by name, each with their last presence (offline when never seen). */
  private async agents(): Promise<DashboardAgent[]> {
    const [users, presence] = await Promise.all([
      this.d.models.User.findAll({
        where: { role: 'agent', active: true },
        order: [['displayName', 'ASC']],
      }),
      this.d.presence.all(),
    ]);
    const streaming = new Set(await this.d.agentsStreaming());
    return users.map((u) => {
      const p: AgentPresence | undefined = presence.get(u.id);
      return {
        id: u.id,
        displayName: u.displayName,
        extension: u.extension,
        state: p?.state ?? 'offline',
        callId: p?.callId ?? null,
        since: p?.since ?? null,
        liveTranscription: streaming.has(u.id),
      };
    });
  }

  async transcriptionQueue(now: Date): Promise<DashboardQueue> {
    const q = this.d.queues.transcription;
    const counts = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    // The wait list is LPUSHed: ascending order puts the oldest first.
    const [oldest] = await q.getJobs(['waiting', 'prioritized'], 0, 0, true);
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      oldestWaitingSeconds: oldest ? Math.max(0, (now.getTime() - oldest.timestamp) / 1000) : null,
    };
  }

  /**
   * Failing when the last ticket job that gave up did so within `windowMinutes` (the tickets queue
   * exists already).
   */
  async ninjaOneHealth(now: Date, windowMinutes: number): Promise<AlertInputs['ninjaOne']> {
    const [[lastFailed], lost] = await Promise.all([
      this.d.queues.tickets.getJobs(['failed'], 0, 0, false),
      this.d.ninjaOneDisconnection ? this.d.ninjaOneDisconnection().catch(() => null) : null,
    ]);
    const disconnected = lost?.reason ?? null;
    const at = lastFailed?.finishedOn;
    if (!lastFailed || !at || now.getTime() - at > windowMinutes * 60_000)
      return { failing: false, disconnected };
    return {
      failing: true,
      detail: `a ticket job failed in the last ${windowMinutes} minutes`,
      disconnected,
    };
  }
}
