import {
  serverEventSchemas,
  type Call,
  type LiveSegmentsEvent,
  type ServerEventName,
} from '@cwn/protocol';

/** What the app does with the server's events. */
export interface LiveHandlers {
  /** A call's row changed (its new state is in the event). */
  call(call: Call): void;
  /** Something about this call changed (transcript ready or validated, ticket created or failed). */
  callChanged(callId: string): void;
  /** A window of a live call was transcribed (supervisors, managers, admins and the call's agent). */
  liveSegments(event: LiveSegmentsEvent): void;
  /** The connection came back after a drop: events may have been missed, refetch. */
  reconnected(): void;
  connected(up: boolean): void;
}

const CALL_EVENTS = [
  'call.started',
  'call.updated',
  'call.ended',
] as const satisfies ServerEventName[];
const CALL_CHANGED_EVENTS = [
  'transcript.ready',
  'transcript.validated',
  'ticket.created',
  'ticket.failed',
] as const satisfies ServerEventName[];
const RETRY_AFTER_REFUSAL_MS = 5_000;
/** After the server itself closed the connection (which Socket.IO does not retry): reconnect soon. */
const RECONNECT_AFTER_SERVER_CLOSE_MS = 1_000;

/**
 * Socket.IO to the server, loaded on demand (socket.io-client stays out of the first load). The
 * token is read at every (re)connection; payloads are checked against the protocol's schemas.
 * Returns the function that closes the connection.
 */
export async function connectLive(
  serverUrl: string,
  token: () => string | null,
  on: LiveHandlers,
): Promise<() => void> {
  const { io } = await import('socket.io-client');
  const socket = io(serverUrl, {
    transports: ['websocket'],
    auth: (cb) => cb({ token: token() ?? '' }),
  });
  let everConnected = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  socket.on('connect', () => {
    on.connected(true);
    if (everConnected) on.reconnected();
    everConnected = true;
  });
  socket.on('disconnect', (reason) => {
    on.connected(false);
    // A server going away reads 'transport close' (Socket.IO retries); one that drops this client
    // (a restart's disconnectSockets(), an operator) reads 'io server disconnect' and is not retried.
    if (reason === 'io server disconnect') {
      clearTimeout(retry);
      retry = setTimeout(() => socket.connect(), RECONNECT_AFTER_SERVER_CLOSE_MS);
    }
  });
  // A refused handshake (expired token) is not retried by Socket.IO itself.
  socket.on('connect_error', () => {
    on.connected(false);
    if (!socket.active) retry = setTimeout(() => socket.connect(), RETRY_AFTER_REFUSAL_MS);
  });
  for (const name of CALL_EVENTS) {
    socket.on(name, (payload: unknown) => {
      const parsed = serverEventSchemas[name].safeParse(payload);
      if (parsed.success) on.call(parsed.data);
    });
  }
  for (const name of CALL_CHANGED_EVENTS) {
    socket.on(name, (payload: unknown) => {
      const parsed = serverEventSchemas[name].safeParse(payload);
      if (parsed.success) on.callChanged(parsed.data.callId);
    });
  }
  socket.on('transcript.live', (payload: unknown) => {
    const parsed = serverEventSchemas['transcript.live'].safeParse(payload);
    if (parsed.success) on.liveSegments(parsed.data);
  });
  // A live call starting or ending changes what its call view shows.
  socket.on('live.changed', (payload: unknown) => {
    const parsed = serverEventSchemas['live.changed'].safeParse(payload);
    if (parsed.success) on.callChanged(parsed.data.callId);
  });
  return () => {
    clearTimeout(retry);
    socket.disconnect();
  };
}
