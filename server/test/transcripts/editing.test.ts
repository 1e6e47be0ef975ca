import {
  CallTranscript,
  Transcript,
  TranscriptEditList,
  TicketJob,
  type TokenPair,
} from '@cwn/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUES } from '@cwn/protocol';
import { TranscriptNotifier } from '../../src/transcripts/transcript-notifier';
import { TranscriptsRepository } from '../../src/transcripts/transcripts.repository';
import { TranscriptsService } from '../../src/transcripts/transcripts.service';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import {
  connected,
  dial,
  eventually,
  recordEvents,
  sampleResult,
  seedCallWithRecording,
  corrected,
  draftTranscript as fixtureDraft,
  type ClientSocket,
} from '@cwn/test-support/transcript-fixtures';

let t: TestApp;
let agent: TokenPair;
let otherAgent: TokenPair;
let supervisor: TokenPair;
let manager: TokenPair;
let admin: TokenPair;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  t = await startTestApp();
  agent = await t.userWithRole('agent');
  otherAgent = await t.userWithRole('agent');
  supervisor = await t.userWithRole('supervisor');
  manager = await t.userWithRole('manager');
  admin = await t.userWithRole('admin');
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await t.close();
});

const auth = (p: TokenPair) => ({ Authorization: `Bearer ${p.accessToken}` });

const draftTranscript = (owner: TokenPair = agent) => fixtureDraft(t, owner);

describe('reading transcripts', () => {
  it("lets the call's agent and the watching roles read it, and keeps other agents out", async () => {
    const tr = await draftTranscript();
    expect(tr).toMatchObject({ status: 'draft', version: 1, language: 'fr' });
    expect(tr.segments.map((s) => s.speaker)).toEqual(['agent', 'caller', 'agent']);
    for (const who of [supervisor, manager, admin]) {
      expect((await t.http.get(`/api/transcripts/${tr.id}`).set(auth(who))).status).toBe(200);
    }
    // Another agent's transcript is not revealed: 404, as for GET /api/calls/:id.
    for (const path of [
      `/api/transcripts/${tr.id}`,
      `/api/transcripts/${tr.id}/edits`,
      `/api/calls/${tr.callId}/transcript`,
    ]) {
      const denied = await t.http.get(path).set(auth(otherAgent));
      expect([path, denied.status, denied.body.error.code]).toEqual([path, 404, 'not_found']);
    }

    const byCall = CallTranscript.parse(
      (await t.http.get(`/api/calls/${tr.callId}/transcript`).set(auth(agent))).body,
    );
    expect(byCall).toMatchObject({
      callId: tr.callId,
      callStatus: 'transcribed',
      failureReason: null,
    });
    expect(byCall.transcript?.id).toBe(tr.id);
    expect(await t.services.transcripts.findByCallId(tr.callId)).toEqual(tr);
  });

  it('answers 404 for an unknown transcript or call, 400 for a malformed id', async () => {
    const unknown = crypto.randomUUID();
    expect((await t.http.get(`/api/transcripts/${unknown}`).set(auth(admin))).status).toBe(404);
    expect((await t.http.get(`/api/calls/${unknown}/transcript`).set(auth(admin))).status).toBe(
      404,
    );
    const bad = await t.http.get('/api/transcripts/not-a-uuid').set(auth(admin));
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('shows a call without a transcript yet with its status', async () => {
    const { callId } = await seedCallWithRecording(t.models, agent.user.id, { status: 'queued' });
    const res = await t.http.get(`/api/calls/${callId}/transcript`).set(auth(agent));
    expect(CallTranscript.parse(res.body)).toEqual({
      callId,
      callStatus: 'queued',
      failureReason: null,
      transcript: null,
    });
  });
});

describe('editing with optimistic concurrency', () => {
  it('accepts an edit on the current version, refuses a stale one with 409 and the current transcript, and keeps history', async () => {
    const tr = await draftTranscript();
    const first = corrected(tr.segments, 'Mon imprimante HP ne marche plus.');
    const ok = await t.http
      .patch(`/api/transcripts/${tr.id}`)
      .set(auth(agent))
      .send({ version: 1, segments: first });
    expect(ok.status).toBe(200);
    expect(Transcript.parse(ok.body)).toMatchObject({ version: 2, segments: first });

    // A second person edited version 1 too: refused, and told what the current text is.
    const stale = await t.http
      .patch(`/api/transcripts/${tr.id}`)
      .set(auth(manager))
      .send({ version: 1, segments: corrected(tr.segments, 'autre chose') });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('conflict');
    expect(stale.body.error.message).toMatch(/version 1.*current one is 2/);
    expect(Transcript.parse(stale.body.error.details.current)).toMatchObject({
      version: 2,
      segments: first,
    });

    const second = corrected(first, 'Mon imprimante HP LaserJet ne marche plus.');
    expect(
      (
        await t.http
          .patch(`/api/transcripts/${tr.id}`)
          .set(auth(manager))
          .send({ version: 2, segments: second })
      ).status,
    ).toBe(200);

    const history = TranscriptEditList.parse(
      (await t.http.get(`/api/transcripts/${tr.id}/edits`).set(auth(agent))).body,
    );
    expect(history.items.map((e) => [e.version, e.editedBy])).toEqual([
      [2, agent.user.id],
      [3, manager.user.id],
    ]);
    expect(history.items[0]!.segmentsBefore).toEqual(tr.segments);
    expect(history.items[0]!.segmentsAfter).toEqual(first);
    expect(history.items[1]!.segmentsAfter).toEqual(second);

    const audits = await t.models.AuditLog.findAll({
      where: { action: 'transcript.edit', targetId: tr.id },
    });
    expect(audits.map((a) => a.actorId).sort()).toEqual([agent.user.id, manager.user.id].sort());
  });

  it('of two concurrent edits on the same version, accepts exactly one', async () => {
    const tr = await draftTranscript();
    const results = await Promise.all(
      ['a', 'b', 'c'].map((x) =>
        t.http
          .patch(`/api/transcripts/${tr.id}`)
          .set(auth(agent))
          .send({ version: 1, segments: corrected(tr.segments, x) }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(await t.models.TranscriptEdit.count({ where: { transcriptId: tr.id } })).toBe(1);
  });

  it('refuses invalid segments with 400 and leaves the transcript as it was', async () => {
    const tr = await draftTranscript();
    const bad = [
      { version: 1, segments: [{ speaker: 'robot', startMs: 0, endMs: 10, text: 'x' }] },
      // The recording lasts 5 s.
      { version: 1, segments: [{ speaker: 'agent', startMs: 4_000, endMs: 95_000, text: 'x' }] },
      { version: 1, segments: [{ speaker: 'agent', startMs: 500, endMs: 10, text: 'x' }] },
      { version: 0, segments: [] },
      { segments: [] },
    ];
    for (const body of bad) {
      const res = await t.http.patch(`/api/transcripts/${tr.id}`).set(auth(agent)).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const late = await t.http.patch(`/api/transcripts/${tr.id}`).set(auth(agent)).send(bad[1]!);
    expect(late.body.error.message).toBe(
      'body.segments.0.endMs: 95000 ms is past the end of the recording (5000 ms)',
    );
    const now = Transcript.parse(
      (await t.http.get(`/api/transcripts/${tr.id}`).set(auth(agent))).body,
    );
    expect(now).toMatchObject({ version: 1, segments: tr.segments });
  });

  it('keeps other agents (404: not revealed) and supervisors (403: they may read it) from editing', async () => {
    const tr = await draftTranscript();
    const byOther = await t.http
      .patch(`/api/transcripts/${tr.id}`)
      .set(auth(otherAgent))
      .send({ version: 1, segments: [] });
    expect([byOther.status, byOther.body.error.code]).toEqual([404, 'not_found']);
    const bySupervisor = await t.http
      .patch(`/api/transcripts/${tr.id}`)
      .set(auth(supervisor))
      .send({ version: 1, segments: [] });
    expect([bySupervisor.status, bySupervisor.body.error.code]).toEqual([403, 'forbidden']);
    expect(await t.models.TranscriptEdit.count({ where: { transcriptId: tr.id } })).toBe(0);
  });
});

describe('validation', () => {
  async function listen(who: TokenPair) {
    const s = dial(t.url(), who.accessToken);
    sockets.push(s);
    const events = recordEvents(s, ['transcript.validated', 'call.updated']);
    await connected(s);
    return events;
  }

  it("by the call's agent: validated, call validated, one ticket job, event; again changes nothing", async () => {
    const agentEvents = await listen(agent);
    const managerEvents = await listen(manager);
    const tr = await draftTranscript();
    const res = await t.http
      .post(`/api/transcripts/${tr.id}/validate`)
      .set(auth(agent))
      .send({ version: 1, organizationId: 42 });
    expect(res.status).toBe(200);
    const validated = Transcript.parse(res.body);
    expect(validated).toMatchObject({
      status: 'validated',
      validatedBy: agent.user.id,
      version: 1,
    });
    expect(validated.validatedAt).not.toBeNull();
    expect((await t.models.Call.findByPk(tr.callId))!.status).toBe('validated');

    const job = await t.queues.tickets.getJob(tr.id);
    expect(TicketJob.parse(job!.data)).toEqual({
      transcriptId: tr.id,
      callId: tr.callId,
      requestedBy: agent.user.id,
      organizationId: 42,
    });
    await eventually(
      'transcript.validated for the agent and the manager',
      () =>
        agentEvents
          .of('transcript.validated')
          .some((e) => (e.transcript as Transcript).id === tr.id) &&
        managerEvents
          .of('transcript.validated')
          .some((e) => (e.transcript as Transcript).id === tr.id),
    );
    await eventually('call.updated validated', () =>
      managerEvents.of('call.updated').some((c) => c.id === tr.callId && c.status === 'validated'),
    );

    // Twice: same answer, no second job, no second event.
    const again = await t.http.post(`/api/transcripts/${tr.id}/validate`).set(auth(agent)).send({});
    expect(again.status).toBe(200);
    expect(Transcript.parse(again.body)).toMatchObject({
      status: 'validated',
      validatedAt: validated.validatedAt,
    });
    const jobs = await t.queues.tickets.getJobs([
      'waiting',
      'delayed',
      'active',
      'completed',
      'failed',
      'prioritized',
    ]);
    expect(jobs.filter((j) => j.data.transcriptId === tr.id)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(
      agentEvents
        .of('transcript.validated')
        .filter((e) => (e.transcript as Transcript).id === tr.id),
    ).toHaveLength(1);

    // Validated text is what the ticket carries: no more edits.
    const edit = await t.http
      .patch(`/api/transcripts/${tr.id}`)
      .set(auth(agent))
      .send({ version: 1, segments: [] });
    expect(edit.status).toBe(409);
    expect(edit.body.error.message).toMatch(/validated/);
    expect(
      await t.models.AuditLog.count({ where: { action: 'transcript.validate', targetId: tr.id } }),
    ).toBe(2);
  });

  it('is refused to another agent (404) and to supervisors (403), allowed to managers and admins', async () => {
    const tr = await draftTranscript();
    for (const [who, status] of [
      [otherAgent, 404],
      [supervisor, 403],
    ] as const) {
      const res = await t.http.post(`/api/transcripts/${tr.id}/validate`).set(auth(who)).send({});
      expect(res.status).toBe(status);
    }
    expect(await t.queues.tickets.getJob(tr.id)).toBeUndefined();
    expect(
      (await t.http.post(`/api/transcripts/${tr.id}/validate`).set(auth(manager)).send({})).status,
    ).toBe(200);
    const tr2 = await draftTranscript();
    const byAdmin = await t.http
      .post(`/api/transcripts/${tr2.id}/validate`)
      .set(auth(admin))
      .send({});
    expect(byAdmin.status).toBe(200);
    expect(Transcript.parse(byAdmin.body).validatedBy).toBe(admin.user.id);
    expect((await t.queues.tickets.getJob(tr2.id))!.data).toMatchObject({
      requestedBy: admin.user.id,
      organizationId: null,
    });
  });

  it('refuses a stale version with 409 and queues nothing', async () => {
    const tr = await draftTranscript();
    await t.http
      .patch(`/api/transcripts/${tr.id}`)
      .set(auth(agent))
      .send({ version: 1, segments: tr.segments });
    const res = await t.http
      .post(`/api/transcripts/${tr.id}/validate`)
      .set(auth(agent))
      .send({ version: 1 });
    expect(res.status).toBe(409);
    expect(res.body.error.details.current.version).toBe(2);
    expect(await t.queues.tickets.getJob(tr.id)).toBeUndefined();
    expect((await t.models.Transcript.findByPk(tr.id))!.status).toBe('draft');
  });
});

describe('validation without Redis', () => {
  it('answers 503 and validates nothing when the ticket queue does not take the job', async () => {
    const tr = await draftTranscript();
    const deadRedis = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: null,
      retryStrategy: () => 1_000,
    });
    deadRedis.on('error', () => undefined);
    const tickets = new Queue<TicketJob>(QUEUES.tickets, {
      connection: deadRedis,
      prefix: t.config.redisPrefix,
    });
    tickets.on('error', () => undefined);
    const service = new TranscriptsService(
      new TranscriptsRepository(t.sequelize, t.models),
      t.calls.lifecycle,
      tickets,
      new TranscriptNotifier(t.fanOut),
      t.logger,
    );
    const user = {
      id: agent.user.id,
      role: agent.user.role,
      email: agent.user.email,
      displayName: agent.user.displayName,
    };
    try {
      await expect(service.validate(tr.id, {}, user)).rejects.toMatchObject({
        status: 503,
        code: 'service_unavailable',
      });
      expect((await t.models.Transcript.findByPk(tr.id))!.status).toBe('draft');
      expect((await t.models.Call.findByPk(tr.callId))!.status).toBe('transcribed');
    } finally {
      await Promise.race([tickets.close(), new Promise((r) => setTimeout(r, 1_000))]);
      deadRedis.disconnect();
    }
  });
});

describe('retention', () => {
  it('purges transcripts older than a date with their history, and only those', async () => {
    const old = await draftTranscript();
    await t.http
      .patch(`/api/transcripts/${old.id}`)
      .set(auth(agent))
      .send({ version: 1, segments: old.segments });
    const recent = await draftTranscript();
    await t.sequelize.query(
      `UPDATE transcripts SET created_at = now() - interval '40 days' WHERE id = :id`,
      {
        replacements: { id: old.id },
      },
    );
    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    const counted = await t.services.transcripts.purgeOlderThan(cutoff, true);
    expect(counted).toBeGreaterThanOrEqual(1);
    expect(await t.models.Transcript.findByPk(old.id)).not.toBeNull();
    expect(await t.services.transcripts.purgeOlderThan(cutoff)).toBe(counted);
    expect(await t.models.Transcript.findByPk(old.id)).toBeNull();
    expect(await t.models.TranscriptEdit.count({ where: { transcriptId: old.id } })).toBe(0);
    expect(await t.models.Transcript.findByPk(recent.id)).not.toBeNull();

    // The retention job counts them through the same service (TRANSCRIPT_RETENTION_DAYS).
    const withRetention = await startTestApp({ TRANSCRIPT_RETENTION_DAYS: '30' });
    try {
      const other = await draftTranscript();
      await t.sequelize.query(
        `UPDATE transcripts SET created_at = now() - interval '40 days' WHERE id = :id`,
        {
          replacements: { id: other.id },
        },
      );
      const report = await withRetention.retention.service.run({ dryRun: true });
      expect(report.transcriptsPurged).toBeGreaterThanOrEqual(1);
      expect(await t.models.Transcript.findByPk(other.id)).not.toBeNull();
    } finally {
      await withRetention.close();
    }

    // The worker's result, seen again by a reconciliation pass, does not bring it back.
    const state = (await t.services.transcripts.recordingStates([old.recordingId])).get(
      old.recordingId,
    )!;
    expect(state).toMatchObject({ hasTranscript: false, callStatus: 'transcribed' });
    expect(await t.services.transcripts.persistResult(state, sampleResult())).toBe('duplicate');
    expect(await t.models.Transcript.count({ where: { recordingId: old.recordingId } })).toBe(0);
  });
});
