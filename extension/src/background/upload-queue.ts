/**
 * The upload queue: WAVs wait in IndexedDB until the server confirms them (same sha256), with
 * exponential backoff while the server or the network is down. The local copy is dropped only on
 * confirmation; an item that the server refuses for good waits for the agent's "retry".
 */
import type { Db, UploadItem } from '../shared/db';

export class UploadError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface UploadReceipt {
  sha256: string;
  recordingId: string;
  callId: string;
}

/** Sends one WAV to the server; implementations throw UploadError. */
export interface RecordingTransport {
  upload(
    item: UploadItem,
    onProgress: (patch: Partial<UploadItem>) => Promise<void>,
  ): Promise<UploadReceipt>;
}

const BASE_DELAY_MS = 2_000;
const MAX_DELAY_MS = 5 * 60_000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
}

export type UploadSummary = Omit<UploadItem, 'wav'>;

/** Uploaded items are kept (without audio) for the popup's list; older ones are dropped. */
export const KEEP_DONE = 50;

export class UploadQueue {
  private running: Promise<number | null> | null = null;

  constructor(
    private readonly db: Db,
    private readonly transport: RecordingTransport,
    private readonly now: () => number = Date.now,
  ) {}

  async put(item: UploadItem): Promise<void> {
    await this.db.put('uploads', { ...item, updatedAt: this.now() });
  }

  async get(id: string): Promise<UploadItem | undefined> {
    return this.db.get('uploads', id);
  }

  async list(): Promise<UploadSummary[]> {
    const all = await this.db.getAll('uploads');
    return all
      .map(({ wav: _wav, ...rest }) => rest)
      .sort((a, b) => b.call.startedAt - a.call.startedAt);
  }

  async retry(id: string): Promise<void> {
    const item = await this.get(id);
    if (!item || item.status === 'done' || !item.wav) return;
    await this.put({ ...item, status: 'pending', nextAttemptAt: this.now() });
  }

  /**
   * Uploads every due item, one at a time. Returns when the next attempt is due (epoch ms), or
   * null when nothing waits. Concurrent calls share one run.
   */
  runDue(): Promise<number | null> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<number | null> {
    // 'uploading' left over from a worker that died mid-upload is due again.
    for (const stale of await this.db.getAllFromIndex('uploads', 'byStatus', 'uploading')) {
      await this.put({ ...stale, status: 'pending' });
    }
    const pending = await this.db.getAllFromIndex('uploads', 'byStatus', 'pending');
    let next: number | null = null;
    for (const item of pending.sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)) {
      if (item.nextAttemptAt > this.now()) {
        next = Math.min(next ?? Infinity, item.nextAttemptAt);
        continue;
      }
      const retryAt = await this.attempt(item);
      if (retryAt !== null) next = Math.min(next ?? Infinity, retryAt);
    }
    await this.pruneDone();
    return next;
  }

  private async pruneDone(): Promise<void> {
    const done = await this.db.getAllFromIndex('uploads', 'byStatus', 'done');
    done.sort((a, b) => b.updatedAt - a.updatedAt);
    for (const old of done.slice(KEEP_DONE)) await this.db.delete('uploads', old.id);
  }

  private async attempt(item: UploadItem): Promise<number | null> {
    let current: UploadItem = { ...item, status: 'uploading', attempts: item.attempts + 1 };
    await this.put(current);
    try {
      const receipt = await this.transport.upload(current, async (patch) => {
        current = { ...current, ...patch };
        await this.put(current);
      });
      if (receipt.sha256 !== current.sha256) {
        throw new UploadError(
          `the server stored sha256 ${receipt.sha256}, expected ${current.sha256}`,
          true,
        );
      }
      await this.put({
        ...current,
        status: 'done',
        wav: null,
        lastError: null,
        serverCallId: receipt.callId,
        serverRecordingId: receipt.recordingId,
      });
      return null;
    } catch (err) {
      const retryable = err instanceof UploadError ? err.retryable : true;
      const message = err instanceof Error ? err.message : String(err);
      const nextAttemptAt = this.now() + backoffMs(current.attempts);
      await this.put({
        ...current,
        status: retryable ? 'pending' : 'failed',
        lastError: message,
        nextAttemptAt,
      });
      return retryable ? nextAttemptAt : null;
    }
  }
}
