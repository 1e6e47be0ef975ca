import type { Transcript } from '@cwn/protocol';
import type { IDBPDatabase } from 'idb';
import { ApiError, NetworkError } from '../api/errors';
import type { PwaDb } from './db';
import type { OutboxEntry, OutboxOperation } from './outbox-entry';

export const plainCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The server's version already says what this entry wants (a replay of a change that got through). */
export function alreadyApplied(entry: OutboxEntry, current: Transcript): boolean {
  if (current.version <= entry.baseVersion) return false;
  return entry.operation.kind === 'edit'
    ? JSON.stringify(current.segments) === JSON.stringify(entry.operation.segments)
    : current.status === 'validated';
}

/** What the outbox needs from the server: send one change, read the current version. */
export interface OutboxTransport {
  send(entry: OutboxEntry): Promise<Transcript>;
  current(transcriptId: string): Promise<Transcript>;
}

export interface FlushReport {
  sent: Transcript[];
  conflicts: OutboxEntry[];
  /** True when the network went away mid-way: the rest waits for the next flush. */
  interrupted: boolean;
}

/**
 * Changes made to transcripts (online or not) wait here, in IndexedDB, until the server has
 * acknowledged them. Exactly once: an entry leaves the queue only after the server's answer, one
 * flush runs at a time (per tab, and across tabs through the Web Locks API when present), and a
 * retry of the same entry reuses its Idempotency-Key. A 409 parks the entry with the server's
 * version until the manager chooses.
 */
export class Outbox {
  private running: Promise<FlushReport> | null = null;
  /** The version each transcript reached with this outbox's own last accepted change. */
  private readonly ownVersions = new Map<string, number>();

  constructor(
    private readonly db: IDBPDatabase<PwaDb>,
    private readonly transport: OutboxTransport,
    private readonly newKey: () => string = () => crypto.randomUUID(),
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues a change; each one is sent on its own, in the order made. */
  async enqueue(
    transcriptId: string,
    baseVersion: number,
    operation: OutboxOperation,
  ): Promise<OutboxEntry> {
    const entry: OutboxEntry = {
      transcriptId,
      // A change made before the screen learnt the version our own previous change produced (its
      // answer was still on its way) builds on that version, as a queued follower would be rebased.
      baseVersion: Math.max(baseVersion, this.ownVersions.get(transcriptId) ?? 0),
      // A plain copy: what the UI hands over may hold reactive proxies, which IndexedDB cannot clone.
      operation: plainCopy(operation),
      idempotencyKey: this.newKey(),
      createdAt: this.now(),
      state: 'pending',
    };
    entry.seq = await this.db.add('outbox', entry);
    return entry;
  }

  async entries(): Promise<OutboxEntry[]> {
    return this.db.getAll('outbox');
  }

  async pendingCount(): Promise<number> {
    return this.db.count('outbox');
  }

  /** Sends what waits, in order. Concurrent callers share the flush already running. */
  flush(): Promise<FlushReport> {
    this.running ??= this.withCrossTabLock(() => this.flushOnce()).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async withCrossTabLock(fn: () => Promise<FlushReport>): Promise<FlushReport> {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    return locks ? locks.request('cwn-outbox-flush', fn) : fn();
  }

  private async flushOnce(): Promise<FlushReport> {
    const report: FlushReport = { sent: [], conflicts: [], interrupted: false };
    const blocked = new Set<string>();
    const seen = new Set<number>();
    // Entries queued while this flush runs (a validation clicked while the edit before it is on
    // its way) are sent by it too: callers who joined this flush expect their entry to be in it.
    for (;;) {
      const fresh = (await this.db.getAllKeys('outbox')).filter((seq) => !seen.has(seq));
      if (fresh.length === 0 || report.interrupted) return report;
      for (const seq of fresh) seen.add(seq);
      await this.flushEntries(fresh, report, blocked);
    }
  }

  private async flushEntries(
    seqs: number[],
    report: FlushReport,
    blocked: Set<string>,
  ): Promise<void> {
    for (const seq of seqs) {
      // Read each entry just before sending it: an earlier send may have rebased it.
      const entry = await this.db.get('outbox', seq);
      if (!entry) continue;
      if (entry.state === 'conflict' || blocked.has(entry.transcriptId)) {
        blocked.add(entry.transcriptId);
        if (entry.state === 'conflict') report.conflicts.push(entry);
        continue;
      }
      try {
        const transcript = await this.transport.send(entry);
        this.ownVersions.set(entry.transcriptId, transcript.version);
        await this.db.delete('outbox', entry.seq!);
        await this.rebaseFollowers(entry.transcriptId, transcript.version);
        report.sent.push(transcript);
      } catch (err) {
        // The server is still working on an earlier attempt of this very entry (same key): its
        // answer comes with the next flush, like after a network failure.
        if (
          err instanceof NetworkError ||
          (err instanceof ApiError && err.code === 'idempotency_in_progress')
        ) {
          report.interrupted = true;
          break;
        }
        // A 409 without a replay: from a server that predates Idempotency-Key on transcripts (or for
        // an entry whose key it no longer holds), our own earlier attempt may be what changed it.
        if (err instanceof ApiError && err.status === 409) {
          const current = await this.transport.current(entry.transcriptId);
          if (alreadyApplied(entry, current)) {
            // Our own earlier attempt got through but its answer was lost: done, not a conflict.
            this.ownVersions.set(entry.transcriptId, current.version);
            await this.db.delete('outbox', entry.seq!);
            await this.rebaseFollowers(entry.transcriptId, current.version);
            report.sent.push(current);
            continue;
          }
          const parked: OutboxEntry = { ...entry, state: 'conflict', conflict: current };
          await this.db.put('outbox', parked);
          report.conflicts.push(parked);
          blocked.add(entry.transcriptId);
          continue;
        }
        // Any other refusal (validation, gone, forbidden) will not improve by retrying: drop it.
        await this.db.delete('outbox', entry.seq!);
        throw err;
      }
    }
  }

  /** Later changes to the same transcript now build on the version the server just produced. */
  private async rebaseFollowers(transcriptId: string, version: number): Promise<void> {
    const tx = this.db.transaction('outbox', 'readwrite');
    for (const e of await tx.store.index('transcriptId').getAll(transcriptId)) {
      if (e.state === 'pending') await tx.store.put({ ...e, baseVersion: version });
    }
    await tx.done;
  }

  /**
   * The manager's choice after a 409: `mine` sends their change again on top of the server's
   * version (a new Idempotency-Key: it is a new change), `theirs` drops it.
   */
  async resolve(seq: number, choice: 'mine' | 'theirs'): Promise<void> {
    const entry = await this.db.get('outbox', seq);
    if (!entry?.conflict) throw new Error(`outbox entry ${seq} is not in conflict`);
    if (choice === 'theirs') {
      await this.db.delete('outbox', seq);
      return;
    }
    await this.db.put('outbox', {
      ...entry,
      state: 'pending',
      baseVersion: entry.conflict.version,
      idempotencyKey: this.newKey(),
      conflict: undefined,
    });
  }
}
