import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { QueryTypes } from 'sequelize';
import { PrivacyReport, SubjectExport, type TokenPair } from '@cwn/protocol';
import { startTestApp, TEST_WORKER_TOKEN, type TestApp } from '@cwn/test-support/app';
import { callMeta, idemKey, makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { migratedDatabase } from '@cwn/test-support/services';
import { sampleResult } from '@cwn/test-support/transcript-fixtures';
import { readZip } from '@cwn/test-support/zip';
import { createLogger } from '../src/logger';
import { HEADER_SIZE } from '../src/storage';

/**
 * Privacy: a caller's number, written three ways on three calls (and on an upload in progress),
 * with audio, a corrected and validated transcript, a ticket already in NinjaOne, cached waveform,
 * queued jobs and an audit entry that mentions it. The export made first holds all of it (JSON and
 * the decrypted WAV); the erasure's dry run changes nothing; the erasure leaves no row, file, Redis
 * value or log line that refers to the number, the audio routes answer 404, the audit entry keeps
 * a keyed hash instead, and the NinjaOne ticket is listed with its link. Only admins may do it;
 * managers and admins may delete one call.
 */
let t: TestApp;
let db: Awaited<ReturnType<typeof migratedDatabase>>;
const logLines: string[] = [];
let admin: TokenPair;
let manager: TokenPair;
let supervisor: TokenPair;
let agent: TokenPair;

// One subscriber number (Paris), three written forms.
const FORMS = ['+33 1 84 88 12 34', '0033184881234', '01 84 88 12 34'];
const E164 = '+33184881234';
/** Any written form of the number: its national digits with separators allowed between them. */
const NUMBER_RE = '184881234'.split('').join('[\\s().+-]*');
const numberPattern = new RegExp(NUMBER_RE);
const OTHER = '+33 6 11 22 33 44';

beforeAll(async () => {
  // A database of its own: the test searches every table for the number, and sets NinjaOne up.
  db = await migratedDatabase('privacy');
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  t = await startTestApp(
    {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'debug',
      REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-privacy-${randomBytes(3).toString('hex')}`,
    },
    { logger: createLogger('debug', sink), ninjaone: { ticketWorker: false } },
  );
  [admin, manager, supervisor, agent] = await Promise.all([
    t.userWithRole('admin'),
    t.userWithRole('manager'),
    t.userWithRole('supervisor'),
    t.userWithRole('agent'),
  ]);
});
afterAll(async () => {
  await t.close();
  await db.drop();
});

const bearer = (p: TokenPair) => ({ Authorization: `Bearer ${p.accessToken}` });

/** An uploaded call (audio stored, transcription queued). */
async function uploadedCall(remoteNumber: string, wav = makeWav({ frames: 5 * 16000 })) {
  const res = await upload(t, agent.accessToken, wav, {
    ...callMeta({ remoteNumber }),
    sha256: sha256(wav),
  });
  expect(res.status).toBe(201);
  return { callId: res.body.callId as string, recordingId: res.body.recording.id as string, wav };
}

/** Every file under the audio store. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Rows of any table of the database whose text refers to the number. */
async function rowsNamingTheNumber(): Promise<Record<string, number>> {
  const tables = await t.sequelize.query<{ name: string }>(
    `SELECT table_name::text AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    { type: QueryTypes.SELECT },
  );
  const found: Record<string, number> = {};
  for (const { name: table } of tables) {
    const [row] = await t.sequelize
      .query<{ n: string }>(`SELECT count(*) AS n FROM "${table}" x WHERE x::text ~ :re`, {
        replacements: { re: NUMBER_RE },
        type: QueryTypes.SELECT,
      })
      .catch((err: { parent?: Error }) => {
        throw new Error(`${table}: ${err.parent?.message}`);
      });
    if (Number(row!.n) > 0) found[table] = Number(row!.n);
  }
  return found;
}

/** Redis values (strings and hashes) under the app's prefix that refer to the number. */
async function redisValuesNamingTheNumber(): Promise<string[]> {
  const hits: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await t.redis.scan(cursor, 'MATCH', `${t.config.redisPrefix}*`);
    cursor = next;
    for (const key of keys) {
      const type = await t.redis.type(key);
      const text =
        type === 'string'
          ? ((await t.redis.getBuffer(key))?.toString('latin1') ?? '')
          : type === 'hash'
            ? JSON.stringify(await t.redis.hgetall(key))
            : '';
      if (numberPattern.test(text)) hits.push(key);
    }
  } while (cursor !== '0');
  return hits;
}

async function snapshot() {
  return {
    calls: await t.models.Call.count(),
    recordings: await t.models.Recording.count(),
    transcripts: await t.models.Transcript.count(),
    edits: await t.models.TranscriptEdit.count(),
    tickets: await t.models.Ticket.count(),
    sessions: await t.models.UploadSession.count(),
    files: filesUnder(t.config.storageDir).sort(),
    rows: await rowsNamingTheNumber(),
    redis: (await redisValuesNamingTheNumber()).sort(),
  };
}

describe('privacy: erase and export everything for a phone number', () => {
  let first: Awaited<ReturnType<typeof uploadedCall>>;
  let second: Awaited<ReturnType<typeof uploadedCall>>;
  let reported: string;
  let other: Awaited<ReturnType<typeof uploadedCall>>;
  let transcriptId: string;
  let zipBefore: Map<string, Buffer>;

  beforeAll(async () => {
    // NinjaOne configured (the ticket links need its host); the number's region is France.
    const settings = await t.http.put('/api/settings/ninjaone').set(bearer(admin)).send({
      region: 'eu',
      authMode: 'client_credentials',
      clientId: 'privacy-test',
      clientSecret: 'privacy-test-secret',
      phoneRegion: 'FR',
    });
    expect(settings.status).toBe(200);

    first = await uploadedCall(FORMS[0]!);
    second = await uploadedCall(FORMS[2]!);
    other = await uploadedCall(OTHER);
    const call = await t.http
      .post('/api/calls')
      .set(bearer(agent))
      .send({
        direction: 'inbound',
        remoteNumber: FORMS[1],
        pbxCallId: `pbx-${idemKey()}`,
        startedAt: new Date().toISOString(),
      });
    expect(call.status).toBe(201);
    reported = call.body.id;

    // The first call is transcribed, corrected, validated; its ticket was created in NinjaOne.
    const state = (await t.services.transcripts.recordingStates([first.recordingId])).get(
      first.recordingId,
    )!;
    await t.services.transcripts.markActive(state);
    const result = sampleResult();
    expect(
      await t.services.transcripts.persistResult({ ...state, callStatus: 'transcribing' }, result),
    ).toBe('stored');
    transcriptId = (await t.models.Transcript.findOne({ where: { callId: first.callId } }))!.id;
    const corrected = result.segments.map((s, i) =>
      i === 1 ? { ...s, text: `Rappelez-moi au ${FORMS[2]}, merci.` } : s,
    );
    const edit = await t.http
      .patch(`/api/transcripts/${transcriptId}`)
      .set(bearer(manager))
      .set('Idempotency-Key', idemKey())
      .send({ version: 1, segments: corrected });
    expect(edit.status).toBe(200);
    const validated = await t.http
      .post(`/api/transcripts/${transcriptId}/validate`)
      .set(bearer(manager))
      .send({});
    expect(validated.status).toBe(200);
    // The ticket worker (off here) would create it in NinjaOne; it did: ticket #4242.
    const ticket = await t.models.Ticket.findOne({ where: { transcriptId } });
    const created = {
      state: 'created' as const,
      ninjaoneTicketId: 4242,
      createdTicketAt: new Date(),
    };
    if (ticket) await ticket.update(created);
    else
      await t.models.Ticket.create({
        transcriptId,
        callId: first.callId,
        requestedBy: manager.user.id,
        externalRef: `cwn-${idemKey()}`.slice(0, 32),
        organizationId: 1,
        requesterUid: null,
        failureReason: null,
        ...created,
      });

    // A waveform in the cache, an upload in progress for the number, an audit entry naming it.
    expect(
      (await t.http.get(`/api/recordings/${first.recordingId}/waveform.png`).set(bearer(manager)))
        .status,
    ).toBe(200);
    const wav = makeWav({ frames: 16000 });
    const session = await t.http
      .post('/api/uploads')
      .query({ ...callMeta({ remoteNumber: FORMS[1]! }), sha256: sha256(wav) })
      .set(bearer(agent))
      .set('Idempotency-Key', idemKey())
      .set('Upload-Length', String(wav.length));
    expect(session.status).toBe(201);
    const patched = await t.http
      .patch(`/api/uploads/${session.body.id}`)
      .set(bearer(agent))
      .set('Content-Type', 'application/offset+octet-stream')
      .set('Upload-Offset', '0')
      .send(wav.subarray(0, 20_000));
    expect(patched.status).toBe(204);
    await t.services.audit.write({
      action: 'test.mention',
      details: { note: `the caller ${FORMS[0]} asked to be called back` },
    });
    await t.services.audit.write({
      action: 'test.mention',
      targetType: 'phone',
      targetId: FORMS[1],
      details: { [FORMS[2]!]: 'as a key', list: [`to ${E164}`], bytes: 1234 },
    });
  });

  it('lets only admins erase or export (another role gets 403), and managers delete calls', async () => {
    for (const who of [manager, supervisor, agent]) {
      for (const path of ['/api/admin/privacy/erase', '/api/admin/privacy/export']) {
        const res = await t.http
          .post(path)
          .set(bearer(who))
          .send({ number: FORMS[0], dryRun: true });
        expect(res.status).toBe(403);
      }
    }
    for (const who of [supervisor, agent]) {
      const res = await t.http.delete(`/api/calls/${other.callId}?dryRun=true`).set(bearer(who));
      expect(res.status).toBe(403);
    }
  });

  it('exports everything for the number, in any written form, as one ZIP with JSON and the decrypted WAV', async () => {
    const plan = await t.http
      .post('/api/admin/privacy/export')
      .set(bearer(admin))
      .send({ number: FORMS[1], includeAudio: true, dryRun: true });
    expect(plan.status).toBe(200);
    const report = PrivacyReport.parse(plan.body);
    expect(report.calls.map((c) => c.id).sort()).toEqual(
      [first.callId, second.callId, reported].sort(),
    );
    expect(report.counts).toMatchObject({ audioFiles: 2, transcripts: 1, uploadSessions: 1 });

    const res = await t.http
      .post('/api/admin/privacy/export')
      .set(bearer(admin))
      .send({ number: FORMS[1], includeAudio: true, dryRun: false })
      .buffer(true)
      .parse((r, cb) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => cb(null, Buffer.concat(parts)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    zipBefore = await readZip(res.body as Buffer);
    const doc = SubjectExport.parse(JSON.parse(zipBefore.get('export.json')!.toString('utf8')));
    expect(doc.subject.e164).toBe(E164);
    expect(doc.calls.map((c) => c.remoteNumber).sort()).toEqual([...FORMS].sort());
    const exported = doc.calls.find((c) => c.id === first.callId)!;
    expect(exported.transcript!.segments[1]!.text).toContain(FORMS[2]);
    expect(exported.transcript!.edits).toHaveLength(1);
    expect(exported.transcript!.edits[0]!.segmentsBefore[1]!.text).toBe(
      sampleResult().segments[1]!.text,
    );
    expect(exported.tickets).toEqual([
      { state: 'created', ninjaoneTicketId: 4242, url: expect.stringMatching(/\/4242$/) },
    ]);
    expect(doc.uploadSessions).toHaveLength(1);
    for (const c of [first, second]) {
      const rec = doc.calls.find((x) => x.id === c.callId)!.recordings[0]!;
      expect(rec.audioFile).toBe(`audio/${c.recordingId}.wav`);
      const audio = zipBefore.get(rec.audioFile!)!;
      expect(audio.equals(c.wav)).toBe(true);
      expect(audio.subarray(0, 4).toString('latin1')).toBe('RIFF');
      expect(sha256(audio)).toBe(rec.sha256);
    }
    expect([...zipBefore.keys()].sort()).toEqual(
      ['export.json', `audio/${first.recordingId}.wav`, `audio/${second.recordingId}.wav`].sort(),
    );
    // The other caller's data is not in it.
    expect(JSON.stringify(doc)).not.toContain(other.callId);
  });

  it('shows the erasure as a dry run first, which changes nothing', async () => {
    const before = await snapshot();
    expect(Object.keys(before.rows).sort()).toEqual(
      ['audit_log', 'calls', 'transcripts', 'transcript_edits', 'upload_sessions'].sort(),
    );
    const res = await t.http
      .post('/api/admin/privacy/erase')
      .set(bearer(admin))
      .send({ number: FORMS[2], dryRun: true });
    expect(res.status).toBe(200);
    const report = PrivacyReport.parse(res.body);
    expect(report).toMatchObject({
      dryRun: true,
      e164: E164,
      nothingFound: false,
      counts: {
        calls: 3,
        recordings: 2,
        audioFiles: 2,
        transcripts: 1,
        transcriptEdits: 1,
        tickets: 1,
        uploadSessions: 1,
        auditEntries: 2,
      },
      ninjaoneTickets: [
        { callId: first.callId, ticketId: 4242, url: expect.stringMatching(/\/4242$/) },
      ],
    });
    expect(report.counts.queueJobs).toBeGreaterThanOrEqual(2);
    expect(report.outside).toEqual(expect.arrayContaining(['ninjaone_tickets', 'backups']));
    const after = await snapshot();
    expect(after).toEqual(before);
  });

  it('erases it: no row, file, Redis value or log line refers to the number; audio answers 404', async () => {
    const otherWav = await t.http
      .get(`/api/recordings/${other.recordingId}/audio`)
      .set(bearer(manager));
    expect(otherWav.status).toBe(200);
    const filesBefore = filesUnder(t.config.storageDir);

    const res = await t.http
      .post('/api/admin/privacy/erase')
      .set(bearer(admin))
      .send({ number: FORMS[0], dryRun: false });
    expect(res.status).toBe(200);
    const report = PrivacyReport.parse(res.body);
    expect(report).toMatchObject({
      dryRun: false,
      counts: { calls: 3, audioFiles: 2, transcripts: 1, uploadSessions: 1, auditEntries: 2 },
      ninjaoneTickets: [{ ticketId: 4242 }],
    });
    expect(report.pseudonym).toMatch(/^subject-[0-9a-f]{32}$/);

    // Rows: none, in any table; only the other caller's call and recording remain.
    expect(await rowsNamingTheNumber()).toEqual({});
    expect(await t.models.Call.count()).toBe(1);
    expect(await t.models.Recording.count()).toBe(1);
    expect(await t.models.Transcript.count()).toBe(0);
    expect(await t.models.TranscriptEdit.count()).toBe(0);
    expect(await t.models.Ticket.count()).toBe(0);
    expect(await t.models.UploadSession.count()).toBe(0);
    // Files: the two recordings and the staged upload are gone, the other recording stays.
    const filesAfter = filesUnder(t.config.storageDir);
    for (const id of [first.recordingId, second.recordingId])
      expect(filesAfter.some((f) => f.endsWith(id))).toBe(false);
    expect(filesAfter.some((f) => f.endsWith(other.recordingId))).toBe(true);
    expect(filesAfter.some((f) => f.includes(`${join('uploads', '')}`))).toBe(false);
    expect(filesBefore.length - filesAfter.length).toBe(3);
    for (const f of filesAfter) expect(numberPattern.test(readFileSync(f, 'latin1'))).toBe(false);
    // Redis: no cached waveform, job or replayed answer that refers to it.
    expect(await redisValuesNamingTheNumber()).toEqual([]);
    expect(await t.queues.transcription.getJob(first.recordingId)).toBeUndefined();
    expect(await t.queues.tickets.getJob(transcriptId)).toBeUndefined();
    expect(await t.redis.exists(`${t.config.redisPrefix}:waveform:v1:${first.recordingId}`)).toBe(
      0,
    );
    // Audio routes: 404.
    for (const path of [
      `/api/recordings/${first.recordingId}/audio`,
      `/api/recordings/${first.recordingId}/waveform.png`,
      `/api/calls/${first.callId}`,
    ])
      expect((await t.http.get(path).set(bearer(admin))).status).toBe(404);
    expect(
      (
        await t.http
          .get(`/internal/recordings/${second.recordingId}/audio`)
          .set('Authorization', `Bearer ${TEST_WORKER_TOKEN}`)
      ).status,
    ).toBe(404);
    // The audit entry stays, with the keyed hash in place of the number.
    const mentions = await t.models.AuditLog.findAll({
      where: { action: 'test.mention' },
      order: [['id', 'ASC']],
    });
    expect(mentions.map((m) => [m.targetId, m.details])).toEqual([
      [null, { note: `the caller ${report.pseudonym} asked to be called back` }],
      [
        report.pseudonym,
        { [report.pseudonym!]: 'as a key', list: [`to ${report.pseudonym}`], bytes: 1234 },
      ],
    ]);
    const erased = await t.models.AuditLog.findOne({ where: { action: 'privacy.erase' } });
    expect(erased).toMatchObject({ actorId: admin.user.id, targetId: report.pseudonym });
    // The same number, written another way, gives the same pseudonym.
    const again = await t.http
      .post('/api/admin/privacy/erase')
      .set(bearer(admin))
      .send({ number: FORMS[1], dryRun: true });
    expect(again.body.pseudonym).toBe(report.pseudonym);
    expect(again.body.nothingFound).toBe(true);
    // Logs: not one line of this whole test run names the number.
    expect(logLines.length).toBeGreaterThan(10);
    expect(logLines.filter((l) => numberPattern.test(l))).toEqual([]);
    // The other caller is untouched.
    expect(
      (await t.http.get(`/api/recordings/${other.recordingId}/audio`).set(bearer(manager))).status,
    ).toBe(200);
  });

  it('erasing a number with no data is a clear no-op (still audited)', async () => {
    const before = await snapshot();
    const res = await t.http
      .post('/api/admin/privacy/erase')
      .set(bearer(admin))
      .send({ number: '+44 20 7946 0000', dryRun: false });
    expect(res.status).toBe(200);
    const report = PrivacyReport.parse(res.body);
    expect(report.nothingFound).toBe(true);
    expect(report.calls).toEqual([]);
    expect(Object.values(report.counts).every((n) => n === 0)).toBe(true);
    expect(await snapshot()).toEqual(before);
    expect(
      await t.models.AuditLog.count({
        where: { action: 'privacy.erase', targetId: report.pseudonym },
      }),
    ).toBe(1);
  });

  it('documents the privacy routes in the OpenAPI document', async () => {
    const res = await t.http.get('/api/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths;
    expect(paths['/api/admin/privacy/erase'].post.requestBody.content).toHaveProperty(
      'application/json',
    );
    expect(paths['/api/admin/privacy/export'].post.responses['200'].content).toHaveProperty(
      'application/zip',
    );
    expect(paths['/api/calls/{id}'].delete.description).toBe('Roles: manager, admin.');
  });

  it('aborts an export whose audio fails to authenticate (never a short ZIP), and still erases it', async () => {
    const damaged = await uploadedCall('+33 2 40 11 22 33');
    const path = join(
      t.config.storageDir,
      'objects',
      damaged.recordingId.slice(0, 2),
      damaged.recordingId,
    );
    const bytes = readFileSync(path);
    bytes[HEADER_SIZE + 100] ^= 0xff; // inside the first sealed chunk
    writeFileSync(path, bytes);
    const outcome = await t.http
      .post('/api/admin/privacy/export')
      .set(bearer(admin))
      .send({ number: '02 40 11 22 33', includeAudio: true, dryRun: false })
      .buffer(true)
      .parse((r, cb) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => cb(null, Buffer.concat(parts)));
        r.on('error', (err: Error) => cb(err, null));
      })
      .then(
        async (res) => {
          // Ended: it must not be a readable ZIP holding the damaged recording.
          const entries = await readZip(res.body as Buffer).catch(() => new Map());
          return entries.has(`audio/${damaged.recordingId}.wav`) ? 'complete' : 'aborted';
        },
        () => 'aborted',
      );
    expect(outcome).toBe('aborted');
    expect(logLines.some((l) => l.includes('privacy export: audio unreadable'))).toBe(true);
    const erased = await t.http
      .post('/api/admin/privacy/erase')
      .set(bearer(admin))
      .send({ number: '02 40 11 22 33', dryRun: false });
    expect(erased.body.counts).toMatchObject({ calls: 1, audioFiles: 1 });
    expect(filesUnder(t.config.storageDir).some((f) => f.endsWith(damaged.recordingId))).toBe(
      false,
    );
  });

  it('refuses a number that is not one', async () => {
    const res = await t.http
      .post('/api/admin/privacy/erase')
      .set(bearer(admin))
      .send({ number: 'call me', dryRun: false });
    expect(res.status).toBe(400);
  });

  it('deletes one call (a manager): dry run first, then the call, its audio and rows', async () => {
    const before = await snapshot();
    const dry = await t.http.delete(`/api/calls/${other.callId}?dryRun=true`).set(bearer(manager));
    expect(dry.status).toBe(200);
    expect(PrivacyReport.parse(dry.body)).toMatchObject({
      dryRun: true,
      pseudonym: null,
      counts: { calls: 1, recordings: 1, audioFiles: 1 },
    });
    expect(await snapshot()).toEqual(before);
    const res = await t.http.delete(`/api/calls/${other.callId}`).set(bearer(manager));
    expect(res.status).toBe(200);
    expect(res.body.counts).toMatchObject({ calls: 1, audioFiles: 1 });
    expect((await t.http.get(`/api/calls/${other.callId}`).set(bearer(admin))).status).toBe(404);
    expect(
      (await t.http.get(`/api/recordings/${other.recordingId}/audio`).set(bearer(admin))).status,
    ).toBe(404);
    expect(filesUnder(t.config.storageDir).some((f) => f.endsWith(other.recordingId))).toBe(false);
    expect(
      await t.models.AuditLog.count({ where: { action: 'call.delete', targetId: other.callId } }),
    ).toBe(1);
    expect((await t.http.delete(`/api/calls/${other.callId}`).set(bearer(manager))).status).toBe(
      404,
    );
  });
});
