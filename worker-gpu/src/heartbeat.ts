import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';

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
}

export function heartbeatKey(prefix: string, id: string): string {
  return `${prefix}:workers:${id}`;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private readonly startedAt = new Date().toISOString();
  active = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly info: Omit<
      WorkerHeartbeat,
      'host' | 'pid' | 'active' | 'startedAt' | 'lastSeenAt'
    >,
    private readonly ttlS: number,
    private readonly healthFile?: string,
  ) {}

  snapshot(): WorkerHeartbeat {
    return {
      ...this.info,
      host: hostname(),
      pid: process.pid,
      active: this.active,
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
