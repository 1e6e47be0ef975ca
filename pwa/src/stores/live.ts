import { defineStore } from 'pinia';
import { ref } from 'vue';
import { connectLive } from '../live/live-socket';
import { services } from '../services';
import { useCallView } from './call';
import { useInbox } from './inbox';
import { useSession } from './session';

const BADGE_DEBOUNCE_MS = 300;

type BadgeNavigator = Navigator & {
  setAppBadge?: (n?: number) => Promise<void>;
  clearAppBadge?: () => Promise<void>;
};

/**
 * The live side of the app while logged in: Socket.IO keeps the inbox current, and the count of
 * calls awaiting validation is shown in the header and on the app's icon (Badging API, where the
 * platform has one).
 */
export const useLive = defineStore('live', () => {
  const connected = ref(false);
  const awaiting = ref<number | null>(null);
  const awaitingMore = ref(false);
  let close: (() => void) | null = null;
  let badgeTimer: ReturnType<typeof setTimeout> | undefined;

  async function refreshBadge(): Promise<void> {
    try {
      // The server counts them (every page, the agent's own calls for an agent): no row is sent.
      const page = await services().calls.list({ status: 'transcribed', limit: 1, count: 'true' });
      // A server without counts: at least what came back, marked "+" when there is more.
      awaiting.value = page.total ?? page.items.length;
      awaitingMore.value = page.total === undefined && page.nextCursor !== null;
      const nav = navigator as BadgeNavigator;
      if (awaiting.value > 0) await nav.setAppBadge?.(awaiting.value);
      else await nav.clearAppBadge?.();
    } catch {
      // Offline or refused: the last count stays shown.
    }
  }
  function badgeSoon(): void {
    clearTimeout(badgeTimer);
    badgeTimer = setTimeout(() => void refreshBadge(), BADGE_DEBOUNCE_MS);
  }

  let generation = 0;
  async function start(): Promise<void> {
    if (close) return;
    const mine = ++generation;
    close = () => undefined; // a second start() while connecting is a no-op
    const session = useSession();
    const inbox = useInbox();
    void refreshBadge();
    try {
      const closeSocket = await connectLive(session.serverUrl, () => session.accessToken(), {
        call: (call) => {
          void inbox.upsert(call);
          badgeSoon();
        },
        liveSegments: (event) => useCallView().applyLive(event),
        callChanged: async (callId) => {
          badgeSoon();
          // the call on screen: its transcript became ready, or its live transcription began or ended
          const view = useCallView();
          if (view.call?.id === callId && !view.transcript) void view.open(callId);
          try {
            await inbox.upsert((await services().calls.get(callId)).call);
          } catch {
            // The next refetch brings it.
          }
        },
        reconnected: () => {
          void inbox.load();
          badgeSoon();
        },
        connected: (up) => (connected.value = up),
      });
      if (mine === generation) close = closeSocket;
      else closeSocket(); // logged out meanwhile
    } catch {
      if (mine === generation) close = null; // the chunk could not load (offline): try at the next start
    }
  }

  function stop(): void {
    generation++;
    clearTimeout(badgeTimer);
    close?.();
    close = null;
    connected.value = false;
    awaiting.value = null;
    void (navigator as BadgeNavigator).clearAppBadge?.().catch(() => undefined);
  }

  return { connected, awaiting, awaitingMore, start, stop, refreshBadge };
});
