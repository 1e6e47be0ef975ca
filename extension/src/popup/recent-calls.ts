/**
 * The popup's recent calls: the agent's last calls from `GET /api/calls`, then kept current over
 * Socket.IO (`call.*` events carry the whole call with its processing status). The socket and the
 * session are handed on: the call cards' live transcripts and the transcript panel use them too.
 */
import { ApiError, Call, serverEventSchemas } from '@cwn/protocol';
import { io, type Socket } from 'socket.io-client';
import { askBackground } from '../shared/ui-client';
import { popupClient, type ServerSession } from './api';

const RECENT = 5;

export async function watchRecentCalls(
  render: (calls: Call[], live: boolean) => void,
): Promise<{ socket: Socket; session: ServerSession } | null> {
  const session = await askBackground<ServerSession | null>({
    type: 'server-session',
  });
  if (!session) return null;
  const list = await popupClient(session)
    .listCalls({ query: { limit: RECENT } })
    .catch((err: unknown) => {
      throw err instanceof ApiError ? new Error(`recent calls: HTTP ${err.status}`) : err;
    });
  let calls = list.items;
  render(calls, false);
  const socket = io(session.serverUrl, {
    auth: { token: session.accessToken },
    transports: ['websocket'],
  });
  const upsert = (payload: unknown) => {
    const parsed = Call.safeParse(payload);
    if (!parsed.success) return;
    calls = [parsed.data, ...calls.filter((c) => c.id !== parsed.data.id)]
      .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))
      .slice(0, RECENT);
    render(calls, socket.connected);
  };
  for (const event of ['call.started', 'call.updated', 'call.ended'] as const) {
    socket.on(event, (payload: unknown) => upsert(serverEventSchemas[event].parse(payload)));
  }
  socket.on('connect', () => render(calls, true));
  socket.on('disconnect', () => render(calls, false));
  return { socket, session };
}
