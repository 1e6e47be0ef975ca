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

/** `streaming`: the call went live; its tail is being sent and the live recording closed. */
export type UploadStatus = 'converting' | 'streaming' | 'pending' | 'uploading' | 'failed' | 'done';

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

/**
 * A call streamed live (docs/decisions/0502-extension-live-streaming.md): the 16 kHz stereo PCM
 * produced so far lies in `livePieces` until the server has acknowledged it.
 */
export interface LiveState {
  /** The call's key. */
  id: string;
  /**
   * `opening` until the server opened the live recording; `open` while audio is appended;
   * `closed` once the server made the recording; `fallback` when the whole-call upload takes
   * over (no live support on the server, or a stream it can no longer complete); `discard` after
   * "don't record this call": what the server holds is to be deleted (then the state goes too).
   */
  state: 'opening' | 'open' | 'closed' | 'fallback' | 'discard';
  serverCallId: string | null;
  liveId: string | null;
  /** The call's time zero (the first recorder's start), fixed at the first batch. */
  t0: number | null;
  /** PCM bytes produced into `livePieces` (always whole stereo frames). */
  produced: number;
  /** PCM bytes the server holds (its offset). */
  sent: number;
  /** The tail was produced at hang-up: `produced` is the call's whole length. */
  final: boolean;
  recordingId: string | null;
  lastError: string | null;
  nextAttemptAt: number;
  /** The batches' cost, for the decision's figures: call audio decoded (s) and time taken (ms). */
  batches: { audioS: number; ms: number; bytes: number }[];
  /**
   * The last bytes produced, compared with the same span of the next batch's output: a batch
   * that decodes them differently (a prefix that moved) is counted here, not sent.
   */
  tail: ArrayBuffer | null;
  unstableBatches: number;
  updatedAt: number;
}

export interface LivePiece {
  callKey: string;
  offset: number;
  data: ArrayBuffer;
}

interface CwnDb extends DBSchema {
  live: { key: string; value: LiveState };
  livePieces: { key: [string, number]; value: LivePiece };
  chunks: { key: [string, string, number]; value: StoredChunk; indexes: { byPc: string } };
  state: { key: string; value: TrackerState };
  uploads: { key: string; value: UploadItem; indexes: { byStatus: string } };
}

export type Db = IDBPDatabase<CwnDb>;

export function openCwnDb(name = 'cwn-extension'): Promise<Db> {
  return openDB<CwnDb>(name, 2, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const chunks = db.createObjectStore('chunks', { keyPath: ['pcId', 'side', 'seq'] });
        chunks.createIndex('byPc', 'pcId');
        db.createObjectStore('state');
        const uploads = db.createObjectStore('uploads', { keyPath: 'id' });
        uploads.createIndex('byStatus', 'status');
      }
      if (oldVersion < 2) {
        db.createObjectStore('live', { keyPath: 'id' });
        db.createObjectStore('livePieces', { keyPath: ['callKey', 'offset'] });
      }
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

export class LiveStore {
  constructor(private readonly db: Db) {}

  async get(callKey: string): Promise<LiveState | undefined> {
    return this.db.get('live', callKey);
  }

  async put(state: LiveState): Promise<void> {
    await this.db.put('live', { ...state, updatedAt: Date.now() });
  }

  async all(): Promise<LiveState[]> {
    return this.db.getAll('live');
  }

  /**
   * Changes one state, read and written in one transaction (the service worker and the offscreen
   * document both write it); with `pieces`, the new PCM is stored in the same transaction, so a
   * piece is durable before anything is sent and `produced` never runs ahead of what is stored.
   */
  async update(
    callKey: string,
    change: (state: LiveState) => LiveState | null,
    pieces: (state: LiveState) => LivePiece[] = () => [],
  ): Promise<LiveState | undefined> {
    const tx = this.db.transaction(['live', 'livePieces'], 'readwrite');
    const current = await tx.objectStore('live').get(callKey);
    if (!current) {
      await tx.done;
      return undefined;
    }
    const next = change(current);
    if (next) {
      for (const piece of pieces(current)) await tx.objectStore('livePieces').put(piece);
      await tx.objectStore('live').put({ ...next, updatedAt: Date.now() });
    }
    await tx.done;
    return next ?? current;
  }

  async delete(callKey: string): Promise<void> {
    await this.dropBelow(callKey, Number.MAX_SAFE_INTEGER);
    await this.db.delete('live', callKey);
  }

  /** The pieces from `offset` on, in order. */
  async piecesFrom(callKey: string, offset: number): Promise<LivePiece[]> {
    const all = await this.db.getAll(
      'livePieces',
      IDBKeyRange.bound([callKey, 0], [callKey, Number.MAX_SAFE_INTEGER]),
    );
    return all.filter((p) => p.offset + p.data.byteLength > offset);
  }

  /** Drops the pieces wholly below `offset` (the server holds them). */
  async dropBelow(callKey: string, offset: number): Promise<void> {
    const tx = this.db.transaction('livePieces', 'readwrite');
    const range = IDBKeyRange.bound([callKey, 0], [callKey, Number.MAX_SAFE_INTEGER]);
    for (const piece of await tx.store.getAll(range))
      if (piece.offset + piece.data.byteLength <= offset)
        await tx.store.delete([callKey, piece.offset]);
    await tx.done;
  }
}
