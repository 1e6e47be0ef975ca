import { io as connect, type Socket } from 'socket.io-client';
import { rooms, serverEventSchemas, type ServerEventName, type TicketJob } from '@cwn/protocol';
import { FAN_OUT, roomsFor, type Subject } from '../src/realtime/fan-out';
import { makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { eventually, sampleResult } from '@cwn/test-support/transcript-fixtures';
import { startTestApp, type TestApp } from '@cwn/test-support/app';

/**
 * Every Socket.IO event a whole call produces, received by one socket per kind of room (two
 * agents, each role, a kiosk screen), must reach only rooms the fan-out table lists for it, and
 * every listed room.
 */
let t: TestApp;
const sockets: Socket[] = [];

interface Listener {
  name: string;
  rooms: string[];
  got: { event: ServerEventName; payload: Record<string, unknown> }[];
}

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await t.close();
});

async function listen(name: string, token: string, roomsOfSocket: string[]): Promise<Listener> {
  const s = connect(t.url(), { auth: { token }, transports: ['websocket'], reconnection: false });
  sockets.push(s);
  const l: Listener = { name, rooms: roomsOfSocket, got: [] };
  s.onAny((event: ServerEventName, payload: Record<string, unknown>) => {
    expect(serverEventSchemas[event].safeParse(payload).success).toBe(true);
    l.got.push({ event, payload });
  });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return l;
}

it('sends each event of a call only to the rooms the fan-out table lists, and to all of them', async () => {
  const agent = await t.userWithRole('agent');
  const otherAgent = await t.userWithRole('agent');
  const people = {
    agent,
    otherAgent,
    supervisor: await t.userWithRole('supervisor'),
    manager: await t.userWithRole('manager'),
    admin: await t.userWithRole('admin'),
  };
  const kiosk = await t.http
    .post('/api/kiosk-tokens')
    .set('Authorization', `Bearer ${people.admin.accessToken}`)
    .send({ name: 'fan-out wall' });
  expect(kiosk.status).toBe(201);
  const listeners = [
    ...(await Promise.all(
      Object.entries(people).map(([name, p]) =>
        listen(name, p.accessToken, [rooms.user(p.user.id), rooms.role(p.user.role)]),
      ),
    )),
    await listen('kiosk', kiosk.body.token as string, [
      rooms.user(`kiosk:${kiosk.body.id as string}`),
      rooms.role('kiosk'),
    ]),
  ];
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  // The phone call, its upload, its transcript, its validation and its ticket.
  const created = await t.http
    .post('/api/calls')
    .set(as(agent.accessToken))
    .send({
      direction: 'inbound',
      pbxCallId: `pbx-fan-out-${Date.now()}`,
      startedAt: new Date().toISOString(),
    });
  const callId = created.body.id as string;
  await t.http.patch(`/api/calls/${callId}`).set(as(agent.accessToken)).send({ event: 'answered' });
  await t.http.patch(`/api/calls/${callId}`).set(as(agent.accessToken)).send({ event: 'ended' });
  const wav = makeWav({ frames: 1600 });
  expect((await upload(t, agent.accessToken, wav, { callId, sha256: sha256(wav) })).status).toBe(
    201,
  );
  const recording = await t.models.Recording.findOne({ where: { callId } });
  const state = (await t.services.transcripts.recordingStates([recording!.id])).get(recording!.id)!;
  await t.services.transcripts.markActive(state);
  expect(await t.services.transcripts.persistResult(state, sampleResult())).toBe('stored');
  const transcript = await t.models.Transcript.findOne({ where: { callId } });
  const validated = await t.http
    .post(`/api/transcripts/${transcript!.id}/validate`)
    .set(as(people.manager.accessToken))
    .send({});
  expect(validated.status).toBe(200);
  // NinjaOne is not configured here: the ticket fails, which is told like its success.
  const job: TicketJob = {
    transcriptId: transcript!.id,
    callId,
    requestedBy: people.manager.user.id,
    organizationId: null,
  };
  await t.tickets.service.process(job, { number: 1, last: true }).catch(() => undefined);

  const subjectOf = (event: ServerEventName): Subject => {
    if (event === 'agent.presence' || event === 'dashboard.changed') return {};
    if (event.startsWith('ticket.')) return { userIds: [people.manager.user.id, agent.user.id] };
    return { agentId: agent.user.id };
  };
  const produced: ServerEventName[] = [
    'call.started',
    'call.updated',
    'call.ended',
    'recording.uploaded',
    'transcript.progress',
    'transcript.ready',
    'transcript.validated',
    'ticket.failed',
    'agent.presence',
    'dashboard.changed',
  ];
  const listed = (l: Listener, event: ServerEventName) => {
    const to = roomsFor(event, subjectOf(event));
    return l.rooms.some((r) => to.includes(r));
  };
  // Every listed room hears every event the call produced (progress has no worker here).
  await eventually('every listed room told', () =>
    produced
      .filter((e) => e !== 'transcript.progress')
      .every((event) =>
        listeners.every((l) => !listed(l, event) || l.got.some((g) => g.event === event)),
      ),
  );
  // The wallboard refetches on one stream: a dashboard.changed for each kind of figure that moved.
  const kioskScreen = listeners.find((l) => l.name === 'kiosk')!;
  await eventually('dashboard.changed for calls, transcripts and tickets', () =>
    ['calls', 'transcripts', 'tickets'].every((reason) =>
      kioskScreen.got.some((g) => g.event === 'dashboard.changed' && g.payload.reason === reason),
    ),
  );
  // …and nothing reached a room the table does not list for it.
  const strays = listeners.flatMap((l) =>
    l.got
      .filter((g) => !l.rooms.some((r) => roomsFor(g.event, subjectOf(g.event)).includes(r)))
      .map((g) => `${g.event} → ${l.name}`),
  );
  expect(strays).toEqual([]);
  // The call's own events reached the watchers and its agent, never the other agent or the kiosk.
  const heard = (name: string) =>
    new Set(listeners.find((l) => l.name === name)!.got.map((g) => g.event));
  expect([...heard('otherAgent')]).toEqual([]);
  expect([...heard('kiosk')].sort()).toEqual(['agent.presence', 'dashboard.changed']);
  expect(Object.keys(FAN_OUT).sort()).toEqual(Object.keys(serverEventSchemas).sort());
});
