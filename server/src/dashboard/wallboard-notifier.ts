import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, type DashboardChangedEvent } from '@cwn/protocol';
import type { Logger } from '../logger';
import type { FanOut } from '../realtime/fan-out';

type Reason = DashboardChangedEvent['reason'];

/** Bursts (a call ending, its upload, its queueing) make one event per reason. */
const COALESCE_MS = 200;

/**
 * Tells wallboards (supervisors, admins, kiosks) that figures changed, so they refetch the summary
 * within a second. Queue movements are picked up by itself (BullMQ queue events of every replica);
 * the events published through the fan-out that change figures (its table's `figures`) call
 * `notify` (the dashboard module wires it).
 */
export class WallboardNotifier {
  private readonly pending = new Map<Reason, ReturnType<typeof setTimeout>>();
  private readonly listeners: { events: QueueEvents; connections: () => Redis[] }[] = [];

  constructor(
    private readonly fanOut: FanOut,
    private readonly logger: Logger,
  ) {}

  notify(reason: Reason): void {
    if (this.pending.has(reason)) return;
    this.pending.set(
      reason,
      setTimeout(() => {
        this.pending.delete(reason);
        this.fanOut.publish('dashboard.changed', { reason });
      }, COALESCE_MS),
    );
  }

  /** Listens to the transcription and tickets queues (one blocking Redis connection each). */
  watchQueues(redis: Redis, prefix: string): void {
    for (const name of [QUEUES.transcription, QUEUES.tickets]) {
      // QueueEvents reads through a duplicate of the connection it is given, and its close() only
      // reaches that duplicate once it was ready: while Redis is down it never is, and the
      // duplicate would go on reconnecting after close. So the connection handed over only
      // serves as a factory (never connected itself), and the duplicate is kept to be dropped.
      const readers: Redis[] = [];
      const factory = redis.duplicate({ lazyConnect: true });
      factory.duplicate = (override) => {
        const reader = redis.duplicate({
          ...override,
          maxRetriesPerRequest: null,
          lazyConnect: false,
        });
        reader.on('error', () => undefined); // the main connection logs Redis outages
        readers.push(reader);
        return reader;
      };
      const events = new QueueEvents(name, { connection: factory, prefix });
      events.on('error', (err) => this.logger.debug({ err, queue: name }, 'queue events error'));
      for (const e of ['waiting', 'active', 'completed', 'failed', 'removed'] as const) {
        events.on(e, () =>
          this.notify(name === QUEUES.tickets && e === 'completed' ? 'tickets' : 'queue'),
        );
      }
      this.listeners.push({ events, connections: () => [factory, ...readers] });
    }
  }

  async close(): Promise<void> {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    await Promise.all(
      this.listeners.map(async ({ events, connections }) => {
        // Close the reader first (dropping its connection under a pending blocking read surfaces
        // "Connection is closed" as an unhandled rejection), but never wait more than a second:
        // closing waits for Redis, forever when it is down. Then drop the connections for good.
        await Promise.race([
          events.close().catch(() => undefined),
          new Promise((r) => setTimeout(r, 1_000).unref()),
        ]);
        for (const c of connections()) c.disconnect();
      }),
    );
    this.listeners.length = 0;
  }
}
