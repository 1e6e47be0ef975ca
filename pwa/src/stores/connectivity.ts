import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { OutboxEntry } from '../offline/outbox-entry';
import { services } from '../services';

/** Online or not, what waits in the outbox, and the conflicts the manager has to settle. */
export const useConnectivity = defineStore('connectivity', () => {
  const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine);
  const pending = ref(0);
  const conflicts = ref<OutboxEntry[]>([]);
  const lastError = ref<string | null>(null);

  async function refreshCounts(): Promise<void> {
    const entries = await services().outbox.entries();
    pending.value = entries.filter((e) => e.state === 'pending').length;
    conflicts.value = entries.filter((e) => e.state === 'conflict');
  }

  /** Sends the outbox; cached transcripts get the versions the server produced. */
  async function sync(): Promise<void> {
    try {
      const report = await services().outbox.flush();
      for (const t of report.sent) await services().transcriptCache.put(t);
      lastError.value = null;
    } catch (err) {
      lastError.value = err instanceof Error ? err.message : String(err);
    } finally {
      await refreshCounts();
    }
  }

  async function resolve(seq: number, choice: 'mine' | 'theirs'): Promise<void> {
    const entry = conflicts.value.find((c) => c.seq === seq);
    if (choice === 'theirs' && entry?.conflict) await services().transcriptCache.put(entry.conflict);
    await services().outbox.resolve(seq, choice);
    await sync();
  }

  function watchNetwork(target: Pick<Window, 'addEventListener'> = window): void {
    target.addEventListener('online', () => {
      online.value = true;
      void sync();
    });
    target.addEventListener('offline', () => {
      online.value = false;
    });
  }

  return { online, pending, conflicts, lastError, refreshCounts, sync, resolve, watchNetwork };
});
