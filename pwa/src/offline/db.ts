import type { Call, Transcript } from '@cwn/protocol';
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { OutboxEntry } from './outbox-entry';

export interface CachedTranscript {
  transcript: Transcript;
  /** When it was last opened or saved here: the oldest go first when the cache is full. */
  cachedAt: number;
}

export interface PwaDb extends DBSchema {
  transcripts: { key: string; value: CachedTranscript; indexes: { cachedAt: number } };
  outbox: { key: number; value: OutboxEntry; indexes: { transcriptId: string } };
  inbox: { key: string; value: { key: string; calls: Call[]; savedAt: number } };
}

export const DB_NAME = 'cwn-pwa';

export function openPwaDb(name: string = DB_NAME): Promise<IDBPDatabase<PwaDb>> {
  return openDB<PwaDb>(name, 1, {
    upgrade(db) {
      db.createObjectStore('transcripts', { keyPath: 'transcript.id' }).createIndex(
        'cachedAt',
        'cachedAt',
      );
      db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true }).createIndex(
        'transcriptId',
        'transcriptId',
      );
      db.createObjectStore('inbox', { keyPath: 'key' });
    },
  });
}

/** Everything this user left on the device, removed at logout. */
export async function clearPwaDb(db: IDBPDatabase<PwaDb>): Promise<void> {
  const tx = db.transaction(['transcripts', 'outbox', 'inbox'], 'readwrite');
  await Promise.all([
    tx.objectStore('transcripts').clear(),
    tx.objectStore('outbox').clear(),
    tx.objectStore('inbox').clear(),
    tx.done,
  ]);
}
