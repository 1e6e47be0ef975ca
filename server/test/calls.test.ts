import { io as connect, type Socket } from 'socket.io-client';
import { Call, CallDetail, CallList, serverEventSchemas } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { callMeta, makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { eventually } from '@cwn/test-support/transcript-fixtures';

let t: TestApp;
let agent: { token: string; id: string };
let other: { token: string; id: string };
let supervisor: string;
let manager: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await startTestApp();
  const a = await t.userWithRole('agent');
  const b = await t.userWithRole('agent');
  agent = { token: a.accessToken, id: a.user.id };
  other = { token: b.accessToken, id: b.user.id };
  supervisor = (await t.userWithRole('supervisor')).accessToken;
  manager = (await t.userWithRole('manager')).accessToken;
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await t.close();
});

let seq = 0;
const pbx = () => `pbx-calls-${process.pid}-${Date.now()}-${++seq}`;

function createCall(token: string, body: Record<string, unknown> = {}) {
  return t.http
    .post('/api/calls')
    .set('Authorization', `Bearer ${token}`)
    .send({
      direction: 'inbound',
      pbxCallId: pbx(),
      startedAt: new Date().toISOString(),
      remoteNumber: '+41 22 555 01 02',
      ...body,
    });
}
const patchCall = (token: string, id: string, body: Record<string, unknown>) =>
  t.http.patch(`/api/calls/${id}`).set('Authorization', `Bearer ${token}`).send(body);
const list = (token: string, query: Record<string, string | number> = {}) =>
  t.http.get('/api/calls').query(query).set('Authorization', `Bearer ${token}`);

async function socketFor(token: string): Promise<Socket> {
  const s = connect(t.url(), { auth: { token }, transports: ['websocket'], reconnection: false });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}

describe('call lifecycle', () => {
  it('creates a call once per (agent, 3CX call id) and walks it through answered, held, resumed, ended', async () => {
    const body = { pbxCallId: pbx(), startedAt: '2026-11-24T08:00:00.000Z' };
    const first = await createCall(agent.token, body);
    expect(first.status).toBe(201);
    const call = Call.parse(first.body);
    expect(call).toMatchObject({ agentId: agent.id, status: 'ringing', pbxCallId: body.pbxCallId });
    const again = await createCall(agent.token, body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(call.id);
    // Another agent's call with the same 3CX id is a different call.
    const theirs = await createCall(other.token, body);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(call.id);

    const answered = await patchCall(agent.token, call.id, {
      event: 'answered',
      at: '2026-11-24T08:00:05.000Z',
    });
    expect(answered.body).toMatchObject({
      status: 'connected',
      answeredAt: '2026-11-24T08:00:05.000Z',
    });
    expect((await patchCall(agent.token, call.id, { event: 'held' })).body.status).toBe('held');
    expect((await patchCall(agent.token, call.id, { event: 'resumed' })).body.status).toBe(
      'connected',
    );
    const ended = await patchCall(agent.token, call.id, {
      event: 'ended',
      at: '2026-11-24T08:04:00.000Z',
    });
    expect(ended.body).toMatchObject({ status: 'ended', endedAt: '2026-11-24T08:04:00.000Z' });
    const late = await patchCall(agent.token, call.id, { event: 'held' });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toBe('a ended call cannot be held');
  });

  it('marks a call that ends while ringing as missed', async () => {
    const c = await createCall(agent.token);
    expect((await patchCall(agent.token, c.body.id, { event: 'ended' })).body.status).toBe(
      'missed',
    );
  });

  it('lets only the call’s agent report its events', async () => {
    const c = await createCall(agent.token);
    expect((await patchCall(other.token, c.body.id, { event: 'answered' })).status).toBe(404);
    expect((await patchCall(supervisor, c.body.id, { event: 'answered' })).status).toBe(403);
    expect((await patchCall(agent.token, c.body.id, { event: 'teleported' })).status).toBe(400);
  });

  it('shows a call with its recording; agents only their own (404)', async () => {
    const wav = makeWav({ frames: 1600 });
    const up = await upload(t, agent.token, wav, { ...callMeta(), sha256: sha256(wav) });
    const mine = await t.http
      .get(`/api/calls/${up.body.callId}`)
      .set('Authorization', `Bearer ${agent.token}`);
    expect(mine.status).toBe(200);
    const detail = CallDetail.parse(mine.body);
    expect(detail.recording?.id).toBe(up.body.recording.id);
    expect(detail.transcript).toBeNull();
    expect(detail.call.status).toBe('queued');
    expect(
      (
        await t.http
          .get(`/api/calls/${up.body.callId}`)
          .set('Authorization', `Bearer ${other.token}`)
      ).status,
    ).toBe(404);
    expect(
      (await t.http.get(`/api/calls/${up.body.callId}`).set('Authorization', `Bearer ${manager}`))
        .status,
    ).toBe(200);
  });
});

describe('GET /api/calls', () => {
  it('pages newest first with a cursor, filters, and limits agents to their own calls', async () => {
    const lister = await t.userWithRole('agent');
    const base = Date.parse('2026-10-01T09:00:00.000Z');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await createCall(lister.accessToken, {
        startedAt: new Date(base + i * 60_000).toISOString(),
        remoteNumber: i % 2 ? '+33 6 11 22 33 44' : '+49 30 1234 5678',
      });
      ids.push(r.body.id);
    }
    await patchCall(lister.accessToken, ids[4]!, { event: 'ended' }); // → missed

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list(supervisor, {
        agentId: lister.user.id,
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      expect(res.status).toBe(200);
      const page = CallList.parse(res.body);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const byNumber = CallList.parse(
      (await list(supervisor, { agentId: lister.user.id, number: '11 22 33 44' })).body,
    );
    expect(byNumber.items.map((c) => c.id).sort()).toEqual([ids[1], ids[3]].sort());
    const missed = CallList.parse(
      (await list(supervisor, { agentId: lister.user.id, status: 'missed' })).body,
    );
    expect(missed.items.map((c) => c.id)).toEqual([ids[4]]);
    const window = CallList.parse(
      (
        await list(supervisor, {
          agentId: lister.user.id,
          from: '2026-10-01T09:01:00.000Z',
          to: '2026-10-01T09:03:00.000Z',
        })
      ).body,
    );
    expect(window.items.map((c) => c.id)).toEqual([ids[2], ids[1]]);

    // An agent asking for someone else's calls gets none of them.
    const sneaky = CallList.parse((await list(agent.token, { agentId: lister.user.id })).body);
    expect(sneaky.items).toEqual([]);
    const own = CallList.parse((await list(lister.accessToken, { limit: 200 })).body);
    expect(own.items.every((c) => c.agentId === lister.user.id)).toBe(true);
    expect(own.items).toHaveLength(5);

    expect((await list(supervisor, { cursor: 'garbage' })).status).toBe(400);
  });

  it('count=true adds the total of every page (the filters and the agent visibility apply, the cursor not)', async () => {
    const counted = await t.userWithRole('agent');
    for (let i = 0; i < 7; i++) await createCall(counted.accessToken);
    const first = CallList.parse(
      (await list(manager, { agentId: counted.user.id, limit: 3, count: 'true' })).body,
    );
    expect(first.items).toHaveLength(3);
    expect(first.total).toBe(7);
    const second = CallList.parse(
      (
        await list(manager, {
          agentId: counted.user.id,
          limit: 3,
          count: 'true',
          cursor: first.nextCursor!,
        })
      ).body,
    );
    expect(second.total).toBe(7);
    expect(
      CallList.parse(
        (await list(manager, { agentId: counted.user.id, status: 'missed', count: 'true' })).body,
      ).total,
    ).toBe(0);
    // Not asked, not counted.
    expect((await list(manager, { agentId: counted.user.id, limit: 3 })).body).not.toHaveProperty(
      'total',
    );
    // Another agent counts only their own calls.
    expect(
      CallList.parse((await list(agent.token, { agentId: counted.user.id, count: 'true' })).body)
        .total,
    ).toBe(0);
    expect((await list(manager, { count: 'yes' })).status).toBe(400);
  });
});

describe('socket events', () => {
  it('tells supervisors and the agent (not other agents) about calls and recordings', async () => {
    const sup = await socketFor(supervisor);
    const own = await socketFor(agent.token);
    const foreign = await socketFor(other.token);
    const got = { sup: [] as string[], own: [] as string[], foreign: [] as string[] };
    const presence: string[] = [];
    for (const [name, s] of [
      ['sup', sup],
      ['own', own],
      ['foreign', foreign],
    ] as const) {
      s.onAny((event: string, payload: unknown) => {
        if (event === 'dashboard.changed') return; // the wallboard's refresh hint, not a call event
        const schema = serverEventSchemas[event as keyof typeof serverEventSchemas];
        expect(schema.safeParse(payload).success).toBe(true);
        // Supervisors also watch the wallboard: its presence and figures are checked apart.
        if (event === 'agent.presence')
          presence.push(`${name}:${(payload as { state: string }).state}`);
        if (event.startsWith('call.') || event.startsWith('recording.')) got[name].push(event);
      });
    }
    const c = await createCall(agent.token);
    await patchCall(agent.token, c.body.id, { event: 'answered' });
    await patchCall(agent.token, c.body.id, { event: 'ended' });
    const wav = makeWav({ frames: 1600 });
    await upload(t, agent.token, wav, { callId: c.body.id, sha256: sha256(wav) });
    const expected = [
      'call.started',
      'call.updated',
      'call.ended',
      'recording.uploaded',
      'call.updated',
    ];
    // The foreign agent's events, were there any, would have gone out with these.
    await eventually(
      'the call and recording events',
      () =>
        got.sup.length >= expected.length &&
        got.own.length >= expected.length &&
        presence.length >= 3,
    );
    expect(got.sup).toEqual(expected);
    expect(got.own).toEqual(expected);
    expect(got.foreign).toEqual([]);
    // The wallboard follows the agent from the call reports alone (the extension sends no presence).
    expect(presence).toEqual(['sup:ringing', 'sup:on_call', 'sup:idle']);
  });
});
