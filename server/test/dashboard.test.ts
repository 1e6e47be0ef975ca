import { io as connect, type Socket } from 'socket.io-client';
import {
  CreatedKioskToken,
  DashboardSummary,
  KioskTokenList,
  serverEventSchemas,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type TokenPair,
} from '@cwn/protocol';
import { DashboardService } from '../src/dashboard/dashboard.service';
import { startTestApp, type TestApp } from '@cwn/test-support/app';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

// A Redis prefix of its own: queue depth and worker heartbeats are not shared with other test files.
const PREFIX = `${process.env.CWN_TEST_REDIS_PREFIX}-dash${process.pid}`;
let t: TestApp;
let admin: TokenPair;
let supervisor: TokenPair;
const open: ClientSocket[] = [];

beforeAll(async () => {
  t = await startTestApp({ REDIS_PREFIX: PREFIX });
  admin = await t.userWithRole('admin');
  supervisor = await t.userWithRole('supervisor');
});
afterEach(() => {
  while (open.length) open.pop()!.disconnect();
});
afterAll(async () => {
  await t.close();
});

function dial(token: string): ClientSocket {
  const s: ClientSocket = connect(t.url(), {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  open.push(s);
  return s;
}
const connected = (s: ClientSocket) =>
  new Promise<string>((resolve) => {
    s.once('connect', () => resolve('connected'));
    s.once('connect_error', (err) => resolve(err.message));
  });

async function summaryAs(token: string): Promise<DashboardSummary> {
  const res = await t.http.get('/api/dashboard/summary').set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
  return DashboardSummary.parse(res.body);
}

async function createKioskToken(name = 'Floor TV'): Promise<CreatedKioskToken> {
  const res = await t.http
    .post('/api/kiosk-tokens')
    .set('Authorization', `Bearer ${admin.accessToken}`)
    .send({ name });
  expect(res.status).toBe(201);
  return CreatedKioskToken.parse(res.body);
}

describe('GET /api/dashboard/summary', () => {
  it('lists agents with their live presence, kept in Redis across server restarts', async () => {
    const agent = await t.userWithRole('agent', { extension: '201' });
    let summary = await summaryAs(supervisor.accessToken);
    expect(summary.agents.find((a) => a.id === agent.user.id)).toMatchObject({
      state: 'offline',
      extension: '201',
      since: null,
    });

    const a = dial(agent.accessToken);
    expect(await connected(a)).toBe('connected');
    expect(await a.emitWithAck('agent.presence', { state: 'on_call', callId: null })).toEqual({
      ok: true,
    });
    summary = await summaryAs(supervisor.accessToken);
    const mine = summary.agents.find((x) => x.id === agent.user.id)!;
    expect(mine.state).toBe('on_call');
    expect(Date.now() - Date.parse(mine.since!)).toBeLessThan(5_000);

    // A second server on the same Redis (a replica, or this one restarted) agrees.
    const replica = await startTestApp({ REDIS_PREFIX: PREFIX });
    try {
      const res = await replica.http
        .get('/api/dashboard/summary')
        .set('Authorization', `Bearer ${supervisor.accessToken}`);
      expect(res.body.agents.find((x: { id: string }) => x.id === agent.user.id).state).toBe(
        'on_call',
      );
    } finally {
      await replica.close();
    }

    // The agent's last socket closing makes them offline.
    const sup = dial(supervisor.accessToken);
    expect(await connected(sup)).toBe('connected');
    const offline = new Promise((resolve) =>
      sup.on('agent.presence', (p) => p.agentId === agent.user.id && resolve(p)),
    );
    a.disconnect();
    expect(serverEventSchemas['agent.presence'].parse(await offline)).toMatchObject({
      state: 'offline',
    });
  });

  it('reports queue depth, the oldest waiting job, workers online and the alerts they raise', async () => {
    let summary = await summaryAs(admin.accessToken);
    expect(summary.queue).toMatchObject({ waiting: 0, active: 0, oldestWaitingSeconds: null });
    expect(summary.workers).toEqual([]);
    expect(summary.alerts.map((x) => x.code)).toEqual(['no_worker_online']);

    const job = {
      recordingId: '00000000-0000-4000-8000-00000000000a',
      callId: '00000000-0000-4000-8000-00000000000b',
      channels: 2 as const,
      durationMs: 1000,
      languageHint: null,
    };
    await t.queues.transcription.add('transcribe', job, { timestamp: Date.now() - 30 * 60_000 });
    await t.queues.transcription.add('transcribe', job, { timestamp: Date.now() - 60_000 });
    const heartbeat = {
      id: 'gpu-1',
      host: 'box',
      pid: 42,
      engine: 'whisper.cpp',
      model: 'large-v3-turbo',
      gpu: true,
      concurrency: 1,
      active: 0,
      startedAt: new Date().toISOString(),
      lastSeenAt: new Date().toISOString(),
    };
    await t.redis.set(`${PREFIX}:workers:gpu-1`, JSON.stringify(heartbeat), 'EX', 30);
    await t.redis.set(`${PREFIX}:workers:junk`, 'not json', 'EX', 30);

    summary = await summaryAs(admin.accessToken);
    expect(summary.queue.waiting).toBe(2);
    expect(summary.queue.oldestWaitingSeconds).toBeGreaterThanOrEqual(30 * 60 - 5);
    expect(summary.queue.oldestWaitingSeconds).toBeLessThan(30 * 60 + 60);
    expect(summary.workers).toEqual([heartbeat]);
    // 30 minutes waiting is over the 10-minute threshold: backing up, but a worker is online.
    expect(summary.alerts.map((x) => x.code)).toEqual(['queue_backing_up']);
    await t.queues.transcription.obliterate({ force: true });
    await t.redis.del(`${PREFIX}:workers:gpu-1`, `${PREFIX}:workers:junk`);
  });

  it("counts today's calls (in the server's time zone)", async () => {
    const agent = await t.userWithRole('agent');
    // A day no other test writes calls on, through a service with its own clock.
    const noon = new Date(2001, 1, 3, 12, 0, 0);
    const at = (h: number, m = 0, s = 0) => new Date(2001, 1, 3, h, m, s);
    const call = (over: Record<string, unknown>) =>
      t.models.Call.create({
        id: crypto.randomUUID(),
        agentId: agent.user.id,
        direction: 'inbound',
        remoteNumber: '+33 1 23 45 67 89',
        remoteName: null,
        pbxCallId: null,
        startedAt: at(9),
        answeredAt: null,
        endedAt: null,
        status: 'ended',
        ...over,
      });
    await call({ startedAt: at(9), answeredAt: at(9, 0, 10), endedAt: at(9, 5, 10) }); // 300 s
    await call({
      startedAt: at(10),
      answeredAt: at(10, 0, 5),
      endedAt: at(10, 1, 45),
      direction: 'outbound',
    }); // 100 s
    await call({ startedAt: at(11), status: 'missed', endedAt: at(11, 0, 30) });
    await call({ startedAt: at(11, 30), answeredAt: at(11, 30, 2), status: 'connected' }); // ongoing
    await call({
      startedAt: new Date(2001, 1, 2, 23, 59),
      answeredAt: new Date(2001, 1, 3, 0, 1),
      endedAt: at(0, 5),
    }); // yesterday
    const dashboard = new DashboardService({
      sequelize: t.sequelize,
      models: t.models,
      redis: t.redis,
      redisPrefix: PREFIX,
      queues: t.queues,
      presence: t.services.presence,
      now: () => noon,
      agentsStreaming: async () => [],
    });
    const { counters } = await dashboard.summary();
    expect(counters).toEqual({
      callsInbound: 3,
      callsOutbound: 1,
      callsAnswered: 3,
      callsMissed: 1,
      averageHandleSeconds: 200,
      // the backlog spans every day of this shared database: counted on a database of its own in
      // dashboard-counters.test.ts
      transcriptsAwaitingValidation: expect.any(Number),
      ticketsToday: 0,
      averageHangupToTranscriptSeconds: null,
    });
  });

  it('is refused to agents and to anonymous callers', async () => {
    const agent = await t.userWithRole('agent');
    expect(
      (
        await t.http
          .get('/api/dashboard/summary')
          .set('Authorization', `Bearer ${agent.accessToken}`)
      ).status,
    ).toBe(403);
    expect((await t.http.get('/api/dashboard/summary')).status).toBe(401);
  });
});

describe('kiosk tokens', () => {
  it('read the summary and receive wallboard events, read-only, until revoked', async () => {
    const created = await createKioskToken();
    expect(created.token).toMatch(/^cwnk_[A-Za-z0-9_-]{43}$/);

    const list = KioskTokenList.parse(
      (await t.http.get('/api/kiosk-tokens').set('Authorization', `Bearer ${admin.accessToken}`))
        .body,
    );
    const listed = list.items.find((k) => k.id === created.id)!;
    expect(listed).toMatchObject({ name: 'Floor TV', revokedAt: null, createdBy: admin.user.id });
    expect(JSON.stringify(list)).not.toContain(created.token);
    const stored = await t.sequelize.query(
      `SELECT token_hash FROM kiosk_tokens WHERE id = '${created.id}'`,
    );
    expect(JSON.stringify(stored)).not.toContain(created.token);

    const summary = await summaryAs(created.token);
    expect(summary.agents).toEqual(expect.any(Array));
    // Anything else is forbidden to a kiosk token, reads included.
    const users = await t.http.get('/api/users').set('Authorization', `Bearer ${created.token}`);
    expect(users.status).toBe(403);
    expect(users.body.error.code).toBe('forbidden');
    const mint = await t.http
      .post('/api/kiosk-tokens')
      .set('Authorization', `Bearer ${created.token}`)
      .send({ name: 'x' });
    expect(mint.status).toBe(403);

    // The kiosk socket gets what supervisors get, and cannot speak.
    const kiosk = dial(created.token);
    expect(await connected(kiosk)).toBe('connected');
    const agent = await t.userWithRole('agent');
    const a = dial(agent.accessToken);
    expect(await connected(a)).toBe('connected');
    const seen = new Promise((resolve) =>
      kiosk.on('agent.presence', (p) => p.agentId === agent.user.id && resolve(p)),
    );
    await a.emitWithAck('agent.presence', { state: 'ringing', callId: null });
    expect(await seen).toMatchObject({ state: 'ringing' });
    expect(
      await kiosk.emitWithAck('agent.presence', { state: 'idle', callId: null }),
    ).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });

    // Queue movements reach the screen as a content-free "refetch" signal.
    const changed = new Promise((resolve) => kiosk.once('dashboard.changed', resolve));
    await t.queues.transcription.add('transcribe', {
      recordingId: '00000000-0000-4000-8000-00000000000a',
      callId: '00000000-0000-4000-8000-00000000000b',
      channels: 2,
      durationMs: 1000,
      languageHint: null,
    });
    // (How fast: server/bench/dashboard-latency-bench.ts.)
    expect(serverEventSchemas['dashboard.changed'].parse(await changed)).toEqual({
      reason: 'queue',
    });
    await t.queues.transcription.obliterate({ force: true });
    // Services announce their own changes: a call the extension reports moves today's counters.
    // Filtered by reason: the obliterate above may still announce a late 'queue' change.
    const calls = new Promise((resolve) =>
      kiosk.on(
        'dashboard.changed',
        (change: { reason: string }) => change.reason === 'calls' && resolve(change),
      ),
    );
    const agentPair = await t.userWithRole('agent');
    const reported = await t.http
      .post('/api/calls')
      .set('Authorization', `Bearer ${agentPair.accessToken}`)
      .send({
        direction: 'inbound',
        remoteNumber: '+33 1 23 45 67 89',
        pbxCallId: `kiosk-${Date.now()}`,
        startedAt: new Date().toISOString(),
      });
    expect(reported.status).toBe(201);
    expect(await calls).toEqual({ reason: 'calls' });

    // Revoking: the REST call is refused at once and the screen is disconnected.
    const dropped = new Promise((resolve) => kiosk.once('disconnect', resolve));
    const del = await t.http
      .delete(`/api/kiosk-tokens/${created.id}`)
      .set('Authorization', `Bearer ${admin.accessToken}`);
    expect(del.status).toBe(200);
    expect(del.body.revokedAt).not.toBeNull();
    await dropped;
    const after = await t.http
      .get('/api/dashboard/summary')
      .set('Authorization', `Bearer ${created.token}`);
    expect(after.status).toBe(401);
    expect(await connected(dial(created.token))).toBe('unauthorized');
    const audit = await t.models.AuditLog.findAll({ where: { targetId: created.id } });
    expect(audit.map((r) => r.action).sort()).toEqual(['kiosk_token.create', 'kiosk_token.revoke']);
  });

  it('refuses unknown tokens, bad bodies, and unknown ids', async () => {
    const fake = 'cwnk_' + 'A'.repeat(43);
    expect(
      (await t.http.get('/api/dashboard/summary').set('Authorization', `Bearer ${fake}`)).status,
    ).toBe(401);
    expect(await connected(dial(fake))).toBe('unauthorized');
    const bad = await t.http
      .post('/api/kiosk-tokens')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ name: '' });
    expect(bad.status).toBe(400);
    const missing = await t.http
      .delete('/api/kiosk-tokens/00000000-0000-4000-8000-000000000000')
      .set('Authorization', `Bearer ${admin.accessToken}`);
    expect(missing.status).toBe(404);
    const bySupervisor = await t.http
      .post('/api/kiosk-tokens')
      .set('Authorization', `Bearer ${supervisor.accessToken}`)
      .send({ name: 'x' });
    expect(bySupervisor.status).toBe(403);
  });
});
