import { serverEventSchemas, type ServerEventName } from '@cwn/protocol';
import { FAN_OUT, FanOut, roomsFor } from './fan-out';
import type { IoServer } from './socket';

/** An io server that records where each emit went. */
function fakeIo() {
  const sent: { event: string; rooms: string[]; local: boolean }[] = [];
  const target = (local: boolean) => ({
    to: (rooms: string[]) => ({
      emit: (event: string) => {
        sent.push({ event, rooms: [...rooms].sort(), local });
        return true;
      },
    }),
  });
  const io = { ...target(false), local: target(true) } as unknown as IoServer;
  return { io, sent };
}

const agent = '11111111-1111-4111-8111-111111111111';
const requester = '22222222-2222-4222-8222-222222222222';
const WATCHERS = ['role:admin', 'role:manager', 'role:supervisor'];
const WALLBOARD = ['role:admin', 'role:kiosk', 'role:supervisor'];

/** Who receives what, written out by hand (the table must say the same). */
const EXPECTED: Record<ServerEventName, string[]> = {
  'call.started': [`user:${agent}`, ...WATCHERS],
  'call.updated': [`user:${agent}`, ...WATCHERS],
  'call.ended': [`user:${agent}`, ...WATCHERS],
  'recording.uploaded': [`user:${agent}`, ...WATCHERS],
  'transcript.progress': [`user:${agent}`, ...WATCHERS],
  'transcript.live': [`user:${agent}`, ...WATCHERS],
  // no text: "agent X is transcribed live" reaches the wallboard's kiosk screens too
  'live.changed': [`user:${agent}`, ...new Set([...WATCHERS, ...WALLBOARD])],
  'transcript.ready': [`user:${agent}`, ...WATCHERS],
  'transcript.failed': [`user:${agent}`, ...WATCHERS],
  'transcript.validated': [`user:${agent}`, ...WATCHERS],
  'ticket.created': [`user:${agent}`, `user:${requester}`, ...WATCHERS],
  'ticket.failed': [`user:${agent}`, `user:${requester}`, ...WATCHERS],
  'agent.presence': WALLBOARD,
  'dashboard.changed': WALLBOARD,
};

describe('the realtime fan-out table', () => {
  it('has a row for every event the server sends', () => {
    expect(Object.keys(FAN_OUT).sort()).toEqual(Object.keys(serverEventSchemas).sort());
  });

  it.each(Object.keys(EXPECTED) as ServerEventName[])('sends %s to exactly its rooms', (event) => {
    const { io, sent } = fakeIo();
    const subject = event.startsWith('ticket.')
      ? { userIds: [requester, agent] }
      : { agentId: agent };
    new FanOut(io, { warn: () => undefined }).publish(event, {} as never, subject);
    expect(sent).toEqual([
      { event, rooms: [...EXPECTED[event]].sort(), local: event === 'transcript.progress' },
    ]);
  });

  it('never sends a call, recording, transcript or ticket to a kiosk screen', () => {
    // live.changed carries ids and a state, never text (LiveChangedEvent)
    const kioskEvents = (Object.keys(FAN_OUT) as ServerEventName[]).filter((e) =>
      roomsFor(e, { agentId: agent, userIds: [requester] }).includes('role:kiosk'),
    );
    expect(kioskEvents.sort()).toEqual(['agent.presence', 'dashboard.changed', 'live.changed']);
  });

  it('tells server-side listeners, and the figures listener the reason; a failing listener is contained', () => {
    const { io } = fakeIo();
    const warned: unknown[] = [];
    const fanOut = new FanOut(io, { warn: (...a: unknown[]) => void warned.push(a) } as never);
    const heard: string[] = [];
    fanOut.on('transcript.ready', (_p, subject) => {
      heard.push(`ready:${subject.agentId}`);
      throw new Error('push service down');
    });
    fanOut.onFigures((reason) => heard.push(`figures:${reason}`));
    fanOut.publish('transcript.ready', {} as never, { agentId: agent });
    fanOut.publish('recording.uploaded', {} as never, { agentId: agent });
    fanOut.publish('ticket.created', {} as never, { userIds: [requester] });
    expect(heard).toEqual([`ready:${agent}`, 'figures:transcripts', 'figures:tickets']);
    expect(warned).toHaveLength(1);
  });
});
