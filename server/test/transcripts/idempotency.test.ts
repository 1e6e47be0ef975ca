import { createHash } from 'node:crypto';
import { Transcript, TranscriptEditList, type TokenPair } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { corrected, draftTranscript as fixtureDraft } from '@cwn/test-support/transcript-fixtures';

// Idempotency-Key on the transcript writes, against the real PostgreSQL and Redis.
let t: TestApp;
let agent: TokenPair;
let manager: TokenPair;

beforeAll(async () => {
  t = await startTestApp();
  agent = await t.userWithRole('agent');
  manager = await t.userWithRole('manager');
});
afterAll(async () => {
  await t.close();
});

const auth = (p: TokenPair) => ({ Authorization: `Bearer ${p.accessToken}` });
let n = 0;
const newKey = () => `outbox-entry-${process.pid}-${Date.now().toString(36)}-${++n}`;

const draftTranscript = (owner: TokenPair = agent) => fixtureDraft(t, owner);

const edit = (id: string, key: string | null, body: unknown, who: TokenPair = agent) => {
  const r = t.http.patch(`/api/transcripts/${id}`).set(auth(who));
  return (key === null ? r : r.set('Idempotency-Key', key)).send(body as object);
};
const validate = (id: string, key: string, body: unknown = {}, who: TokenPair = agent) =>
  t.http
    .post(`/api/transcripts/${id}/validate`)
    .set(auth(who))
    .set('Idempotency-Key', key)
    .send(body as object);

/** Where the server keeps a user's key (a hash of it, under the app's Redis prefix). */
const redisKeyOf = (user: TokenPair, key: string) =>
  `${t.config.redisPrefix}:idempotency:${user.user.id}:${createHash('sha256').update(key).digest('hex')}`;

async function history(id: string) {
  return TranscriptEditList.parse(
    (await t.http.get(`/api/transcripts/${id}/edits`).set(auth(agent))).body,
  ).items;
}

describe('PATCH /api/transcripts/:id with Idempotency-Key', () => {
  it('replays the first answer (same status and body) and applies the edit once', async () => {
    const tr = await draftTranscript();
    const key = newKey();
    const body = {
      version: 1,
      segments: corrected(tr.segments, 'Mon imprimante HP ne marche plus.'),
    };
    const first = await edit(tr.id, key, body);
    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // The answer was lost; the outbox sends the same entry again.
    const again = await edit(tr.id, key, body);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
    expect(Transcript.parse(again.body).version).toBe(2);

    expect((await history(tr.id)).map((e) => e.version)).toEqual([2]);
    expect(
      await t.models.AuditLog.count({ where: { action: 'transcript.edit', targetId: tr.id } }),
    ).toBe(1);
    // Without the key the same request is a new one: a stale version, 409.
    expect((await edit(tr.id, null, body)).status).toBe(409);
  });

  it('replays a refusal too (a stale version: the same 409), and keys are per user', async () => {
    const tr = await draftTranscript();
    expect(
      (await edit(tr.id, null, { version: 1, segments: corrected(tr.segments, 'a') })).status,
    ).toBe(200);
    const key = newKey();
    const stale = { version: 1, segments: corrected(tr.segments, 'b') };
    const first = await edit(tr.id, key, stale);
    expect([first.status, first.body.error.code]).toEqual([409, 'conflict']);
    const again = await edit(tr.id, key, stale);
    expect(again.status).toBe(409);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const { requestId: _a, ...firstError } = first.body.error;
    const { requestId: _b, ...againError } = again.body.error;
    expect(againError).toEqual(firstError);

    // The manager's request with the same key string is the manager's own: applied.
    const byManager = await edit(
      tr.id,
      key,
      { version: 2, segments: corrected(tr.segments, 'c') },
      manager,
    );
    expect(byManager.status).toBe(200);
    expect((await history(tr.id)).map((e) => e.editedBy)).toEqual([agent.user.id, manager.user.id]);
  });

  it('answers 422 idempotency_key_reused for the same key with another body, transcript or route', async () => {
    const tr = await draftTranscript();
    const other = await draftTranscript();
    const key = newKey();
    expect(
      (await edit(tr.id, key, { version: 1, segments: corrected(tr.segments, 'x') })).status,
    ).toBe(200);
    const reused = [
      await edit(tr.id, key, { version: 1, segments: corrected(tr.segments, 'y') }),
      await edit(other.id, key, { version: 1, segments: corrected(other.segments, 'x') }),
      await validate(tr.id, key),
    ];
    for (const res of reused) {
      expect([res.status, res.body.error.code]).toEqual([422, 'idempotency_key_reused']);
      expect(res.body.error.message).toMatch(/already used for a different request/);
    }
    expect((await history(tr.id)).map((e) => e.version)).toEqual([2]);
    expect(await history(other.id)).toEqual([]);
    expect((await t.models.Transcript.findByPk(tr.id))!.status).toBe('draft');
  });

  it('refuses a malformed key with 400 and changes nothing', async () => {
    const tr = await draftTranscript();
    for (const key of ['two words', 'x'.repeat(129), 'clé']) {
      const res = await edit(tr.id, key, { version: 1, segments: tr.segments });
      expect([res.status, res.body.error.code]).toEqual([400, 'bad_request']);
      expect(res.body.error.message).toMatch(/^Idempotency-Key header: /);
    }
    expect((await edit(tr.id, 'x'.repeat(128), { version: 1, segments: tr.segments })).status).toBe(
      200,
    );
    expect((await edit(tr.id, '!', { version: 2, segments: tr.segments })).status).toBe(200);
  });

  it('of concurrent duplicates applies one; the others are told it is in progress or get its answer', async () => {
    const tr = await draftTranscript();
    const key = newKey();
    const body = { version: 1, segments: corrected(tr.segments, 'concurrent') };
    const results = await Promise.all([1, 2, 3, 4].map(() => edit(tr.id, key, body)));
    const ok = results.filter((r) => r.status === 200);
    const busy = results.filter((r) => r.status === 409);
    expect(ok.length + busy.length).toBe(4);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r.text).toBe(ok[0]!.text);
    for (const r of busy) expect(r.body.error.code).toBe('idempotency_in_progress');
    expect((await history(tr.id)).map((e) => e.version)).toEqual([2]);
  });

  it('answers 409 idempotency_in_progress while the first request is still running, then replays it', async () => {
    const tr = await draftTranscript();
    const key = newKey();
    const body = { version: 1, segments: corrected(tr.segments, 'held') };
    // Hold the transcript's row: the first request waits inside its transaction.
    const hold = await t.sequelize.transaction();
    await t.sequelize.query('SELECT id FROM transcripts WHERE id = :id FOR UPDATE', {
      replacements: { id: tr.id },
      transaction: hold,
    });
    const first = edit(tr.id, key, body).then((r) => r);
    try {
      // Send the duplicate once the first has claimed the key (and waits on the row).
      for (let i = 0; i < 500 && !(await t.redis.exists(redisKeyOf(agent, key))); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const second = await edit(tr.id, key, body);
      expect([second.status, second.body.error.code]).toEqual([409, 'idempotency_in_progress']);
      expect(second.headers['retry-after']).toBe('1');
    } finally {
      await hold.commit();
    }
    const done = await first;
    expect(done.status).toBe(200);
    const replay = await edit(tr.id, key, body);
    expect(replay.text).toBe(done.text);
    expect((await history(tr.id)).map((e) => e.version)).toEqual([2]);
  });

  it('keeps each key for 24 hours in Redis, under the app prefix', async () => {
    const tr = await draftTranscript();
    const key = newKey();
    expect((await edit(tr.id, key, { version: 1, segments: tr.segments })).status).toBe(200);
    const ttl = await t.redis.pttl(redisKeyOf(agent, key));
    expect(ttl).toBeGreaterThan(23 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3_600_000);
  });
});

describe('POST /api/transcripts/:id/validate with Idempotency-Key', () => {
  it('replays the first answer and validates (and queues the ticket) once', async () => {
    const tr = await draftTranscript();
    const key = newKey();
    const first = await validate(tr.id, key, { version: 1, organizationId: 7 });
    expect(first.status).toBe(200);
    const again = await validate(tr.id, key, { version: 1, organizationId: 7 });
    expect([again.status, again.headers['idempotent-replayed']]).toEqual([200, 'true']);
    expect(again.text).toBe(first.text);
    expect(
      await t.models.AuditLog.count({ where: { action: 'transcript.validate', targetId: tr.id } }),
    ).toBe(1);
    const jobs = await t.queues.tickets.getJobs([
      'waiting',
      'delayed',
      'active',
      'completed',
      'failed',
      'prioritized',
    ]);
    expect(jobs.filter((j) => j.data.transcriptId === tr.id)).toHaveLength(1);

    const otherOrg = await validate(tr.id, key, { version: 1, organizationId: 8 });
    expect([otherOrg.status, otherOrg.body.error.code]).toEqual([422, 'idempotency_key_reused']);
  });
});

describe('the OpenAPI document', () => {
  it('documents the header on both writes', async () => {
    const doc = (await t.http.get('/api/openapi.json')).body;
    for (const op of [
      doc.paths['/api/transcripts/{id}'].patch,
      doc.paths['/api/transcripts/{id}/validate'].post,
    ]) {
      const names = (op.parameters as { name: string; in: string }[]).map(
        (p) => `${p.in}:${p.name}`,
      );
      expect(names).toEqual(expect.arrayContaining(['header:Idempotency-Key', 'path:id']));
    }
  });
});
