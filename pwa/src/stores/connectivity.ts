import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { OutboxEntry } from '../offline/outbox-entry';
import { services } from '../services';

/** Online or not, what waits in the outbox, and the conflicts the manager has to settle. */
export const useConnectivity = defineStore('connectivity', () => {
  const deviceOnline = ref(typeof navigator === 'undefined' ? true : navigator.onLine);
  /** A phone can be "online" on a captive or dead network: what counts is whether the server answers. */
  const serverReachable = ref(true);
  const online = computed(() => deviceOnline.value && serverReachable.value);
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
    if (choice === 'theirs' && entry?.conflict)
      await services().transcriptCache.put(entry.conflict);
    await services().outbox.resolve(seq, choice);
    await sync();
  }

  function watchNetwork(target: Pick<Window, 'addEventListener'> = window): void {
    target.addEventListener('online', () => {
      deviceOnline.value = true;
      void sync();
    });
    target.addEventListener('offline', () => {
      deviceOnline.value = false;
    });
    // Phones often resume without an "online" event: try the outbox whenever the app is shown again.
    globalThis.document?.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void sync();
    });
  }

  /** Called by the HTTP client after each request; coming back triggers a sync of the outbox. */
  function setServerReachable(reachable: boolean): void {
    const cameBack = reachable && !serverReachable.value;
    serverReachable.value = reachable;
    if (cameBack) void sync();
  }

  return {
    online,
    deviceOnline,
    serverReachable,
    setServerReachable,
    pending,
    conflicts,
    lastError,
    refreshCounts,
    sync,
    resolve,
    watchNetwork,
  };
});
