import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { AppliedWhisperSettings, WorkerWhisperDefaults } from '@cwn/protocol';

/**
 * What a worker announces in Redis for the dashboard, at `${prefix}:workers:${id}` (JSON, TTL
 * `ttlS`, refreshed every ttlS/3). A key that expires means the worker is gone.
 */
export interface WorkerHeartbeat {
  id: string;
  host: string;
  pid: number;
  engine: string;
  model: string;
  gpu: boolean;
  concurrency: number;
  /** Jobs running now. */
  active: number;
  startedAt: string;
  lastSeenAt: string;
  /** Models it can run: its own first. */
  models: string[];
  /** What it applies to a job that sets nothing (its environment). */
  defaults: WorkerWhisperDefaults;
  /** What it applied to its latest job; null before the first. */
  applied: AppliedWhisperSettings | null;
  /** Models jobs asked for that it lacks. */
  missingModels: string[];
}

type Dynamic =
  'host' | 'pid' | 'active' | 'startedAt' | 'lastSeenAt' | 'applied' | 'models' | 'missingModels';

export function heartbeatKey(prefix: string, id: string): string {
  return `${prefix}:workers:${id}`;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private readonly startedAt = new Date().toISOString();
  active = 0;
  applied: AppliedWhisperSettings | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly info: Omit<WorkerHeartbeat, Dynamic>,
    private readonly ttlS: number,
    private readonly healthFile?: string,
    private readonly models: () => { models: string[]; missingModels: string[] } = () => ({
      models: [info.model],
      missingModels: [],
    }),
  ) {}

  snapshot(): WorkerHeartbeat {
    return {
      ...this.info,
      host: hostname(),
      pid: process.pid,
      active: this.active,
      applied: this.applied,
      ...this.models(),
      startedAt: this.startedAt,
      lastSeenAt: new Date().toISOString(),
    };
  }

  async beat(): Promise<void> {
    await this.redis.set(
      heartbeatKey(this.prefix, this.info.id),
      JSON.stringify(this.snapshot()),
      'EX',
      this.ttlS,
    );
    if (this.healthFile)
      await writeFile(this.healthFile, new Date().toISOString()).catch(() => undefined);
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(
      () => void this.beat().catch(() => undefined),
      Math.max(1000, (this.ttlS * 1000) / 3),
    );
    this.timer.unref();
  }

  /** No more beats (the key expires by itself). */
  stopBeating(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async stop(): Promise<void> {
    this.stopBeating();
    await this.redis.del(heartbeatKey(this.prefix, this.info.id)).catch(() => undefined);
  }
}
