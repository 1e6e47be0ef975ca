import { defineStore } from 'pinia';
import { ref } from 'vue';
import { io, type Socket } from 'socket.io-client';
import {
  ApiError,
  serverEventSchemas,
  type DashboardSummary,
  type AgentPresence,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@cwn/protocol';
import { apiUrl, createDashboardClient } from '~/utils/api-url';

/** Queue depth and workers have no events of their own: poll them this often. */
const POLL_MS = 10_000;
/** Several events in a burst (a call ending, its upload, its queueing) make one refetch. */
const REFETCH_DEBOUNCE_MS = 250;
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export interface WallboardSource {
  /** The bearer for REST and the socket handshake (a kiosk token or the user's access token). */
  token: () => string | null;
  /** Called on a 401 or a refused handshake; true when a fresh token is now available. */
  onUnauthorized: () => Promise<boolean>;
}

/**
 * The wallboard's live state: one summary from the API, then Socket.IO events applied as they come
 * (presence at once, figures by refetching); on every (re)connection, a full resync, so a server
 * restart heals by itself.
 */
export const useWallboardStore = defineStore('wallboard', () => {
  const summary = ref<DashboardSummary | null>(null);
  const connection = ref<ConnectionState>('connecting');
  /** Server clock minus this clock, so call timers agree with the server's timestamps. */
  const clockSkewMs = ref(0);
  let socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  let source: WallboardSource | null = null;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let refetchTimer: ReturnType<typeof setTimeout> | undefined;

  async function fetchSummary(): Promise<void> {
    if (!source) return;
    const from = source;
    // The bearer is the source's (a kiosk token or the user's); a 401 asks it once for a new one.
    const api = createDashboardClient({
      getAccessToken: () => from.token(),
      refresh: () => from.onUnauthorized(),
    });
    let next: DashboardSummary;
    try {
      next = await api.getDashboardSummary();
    } catch (err) {
      // Server away: the socket's reconnection will resync.
      if (err instanceof ApiError && (err.status === 401 || err.status === 403))
        connection.value = 'unauthorized';
      return;
    }
    clockSkewMs.value = Date.parse(next.generatedAt) - Date.now();
    summary.value = next;
  }

  function scheduleRefetch() {
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(() => void fetchSummary(), REFETCH_DEBOUNCE_MS);
  }

  function applyPresence(p: AgentPresence) {
    const agent = summary.value?.agents.find((a) => a.id === p.agentId);
    if (!agent) return scheduleRefetch(); // a new agent: take the whole list again
    agent.state = p.state;
    agent.callId = p.callId;
    agent.since = p.since;
  }

  function start(src: WallboardSource) {
    stop();
    source = src;
    connection.value = 'connecting';
    void fetchSummary();
    const base = new URL(apiUrl('/'));
    socket = io(base.origin, {
      path: '/socket.io',
      transports: ['websocket'],
      // A function, so every reconnection presents the current token.
      auth: (cb) => cb({ token: source?.token() ?? '' }),
      reconnectionDelay: 500,
      reconnectionDelayMax: 3_000,
    });
    socket.on('connect', () => {
      connection.value = 'live';
      void fetchSummary(); // resync: events may have been missed while away
    });
    socket.on('disconnect', (reason) => {
      connection.value = 'reconnecting';
      // The server hung up on us (token revoked, or shutting down): socket.io does not retry that.
      if (reason === 'io server disconnect') {
        void fetchSummary();
        setTimeout(() => socket?.connect(), 1_000);
      }
    });
    socket.on('connect_error', (err) => {
      // A refused handshake is not retried by socket.io itself: refresh if we can, then retry.
      if (!socket?.active) {
        void (async () => {
          const renewed =
            err.message === 'token_expired' || err.message === 'unauthorized'
              ? await source?.onUnauthorized()
              : true;
          if (renewed === false && err.message === 'unauthorized') {
            connection.value = 'unauthorized';
            return;
          }
          connection.value = 'reconnecting';
          setTimeout(() => socket?.connect(), 1_000);
        })();
      } else {
        connection.value = 'reconnecting';
      }
    });
    socket.on('agent.presence', (payload) => {
      const parsed = serverEventSchemas['agent.presence'].safeParse(payload);
      if (parsed.success) applyPresence(parsed.data);
    });
    // The server sends one `dashboard.changed` for whatever changes the figures (calls, queue,
    // transcripts, tickets), to supervisors, admins and kiosks alike.
    socket.on('dashboard.changed', scheduleRefetch);
    pollTimer = setInterval(() => void fetchSummary(), POLL_MS);
  }

  function stop() {
    clearInterval(pollTimer);
    clearTimeout(refetchTimer);
    socket?.removeAllListeners();
    socket?.disconnect();
    socket = null;
    source = null;
  }

  return { summary, connection, clockSkewMs, start, stop, fetchSummary };
});
