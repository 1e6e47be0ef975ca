import type { Transcript } from '@cwn/protocol';
import type { IDBPDatabase } from 'idb';
import type { PwaDb } from './db';
import { plainCopy } from './outbox';

/** The last `capacity` transcripts opened, readable offline. */
export class TranscriptCache {
  constructor(
    private readonly db: IDBPDatabase<PwaDb>,
    readonly capacity = 50,
    private readonly now: () => number = Date.now,
  ) {}

  async put(transcript: Transcript): Promise<void> {
    const tx = this.db.transaction('transcripts', 'readwrite');
    await tx.store.put({ transcript: plainCopy(transcript), cachedAt: this.now() });
    let excess = (await tx.store.count()) - this.capacity;
    let cursor = excess > 0 ? await tx.store.index('cachedAt').openCursor() : null;
    while (cursor && excess > 0) {
      await cursor.delete();
      excess -= 1;
      cursor = await cursor.continue();
    }
    await tx.done;
  }

  async get(id: string): Promise<Transcript | undefined> {
    return (await this.db.get('transcripts', id))?.transcript;
  }

  async byCall(callId: string): Promise<Transcript | undefined> {
    return (await this.db.getAll('transcripts')).find((c) => c.transcript.callId === callId)
      ?.transcript;
  }

  async ids(): Promise<string[]> {
    return (await this.db.getAllKeys('transcripts')).map(String);
  }

  /** Drops the call's transcript from the device (the call was deleted on the server). */
  async forgetCall(callId: string): Promise<void> {
    const tx = this.db.transaction('transcripts', 'readwrite');
    for (const c of await tx.store.getAll())
      if (c.transcript.callId === callId) await tx.store.delete(c.transcript.id);
    await tx.done;
  }
}
