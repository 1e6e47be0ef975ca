/**
 * The extension's IndexedDB (shared by the service worker and the offscreen document, which have
 * the same origin): every recorded chunk as it arrives, the call tracker's state, and the upload
 * queue. Chunks stay until their WAV is built; the WAV stays until the server confirmed it.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Side } from './messages';
import type { TrackedCall, TrackerState } from '../background/call-tracker';

export interface StoredChunk {
  pcId: string;
  side: Side;
  seq: number;
  at: number;
  data: ArrayBuffer;
}

export type UploadStatus = 'converting' | 'pending' | 'uploading' | 'failed' | 'done';

export interface UploadItem {
  /** The call's key. */
  id: string;
  call: TrackedCall;
  status: UploadStatus;
  wav: ArrayBuffer | null;
  sha256: string | null;
  sizeBytes: number;
  durationMs: number;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  /** Resumable upload session on the server, if one was opened. */
  sessionUrl: string | null;
  serverCallId: string | null;
  serverRecordingId: string | null;
  updatedAt: number;
}

interface CwnDb extends DBSchema {
  chunks: { key: [string, string, number]; value: StoredChunk; indexes: { byPc: string } };
  state: { key: string; value: TrackerState };
  uploads: { key: string; value: UploadItem; indexes: { byStatus: string } };
}

export type Db = IDBPDatabase<CwnDb>;

export function openCwnDb(name = 'cwn-extension'): Promise<Db> {
  return openDB<CwnDb>(name, 1, {
    upgrade(db) {
      const chunks = db.createObjectStore('chunks', { keyPath: ['pcId', 'side', 'seq'] });
      chunks.createIndex('byPc', 'pcId');
      db.createObjectStore('state');
      const uploads = db.createObjectStore('uploads', { keyPath: 'id' });
      uploads.createIndex('byStatus', 'status');
    },
  });
}

export class ChunkStore {
  constructor(private readonly db: Db) {}

  /** Idempotent: a chunk sent twice (after a reconnect) is stored once. */
  async put(chunk: StoredChunk): Promise<void> {
    await this.db.put('chunks', chunk);
  }

  /** The chunks of one recorder in order. */
  async list(pcId: string, side: Side): Promise<StoredChunk[]> {
    const range = IDBKeyRange.bound([pcId, side, 0], [pcId, side, Number.MAX_SAFE_INTEGER]);
    return this.db.getAll('chunks', range);
  }

  async count(pcId: string, side: Side): Promise<number> {
    const range = IDBKeyRange.bound([pcId, side, 0], [pcId, side, Number.MAX_SAFE_INTEGER]);
    return this.db.count('chunks', range);
  }

  async deletePc(pcId: string): Promise<void> {
    const tx = this.db.transaction('chunks', 'readwrite');
    for (const key of await tx.store.index('byPc').getAllKeys(pcId)) await tx.store.delete(key);
    await tx.done;
  }
}

export class StateStore {
  constructor(private readonly db: Db) {}

  async load(): Promise<TrackerState | undefined> {
    return this.db.get('state', 'tracker');
  }

  async save(state: TrackerState): Promise<void> {
    await this.db.put('state', state, 'tracker');
  }
}
