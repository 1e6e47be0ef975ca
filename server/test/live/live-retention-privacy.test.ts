import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PrivacyReport, SubjectExport, type TokenPair } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { eventually } from '@cwn/test-support/eventually';
import { deleteRedisPrefix, migratedDatabase } from '@cwn/test-support/services';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import { readZip } from '@cwn/test-support/zip';
import { append, as, openLive, stopWorker, stream, twoSidedCall, wavOf } from './live-kit';

/**
 * Live recordings under the privacy and retention rules (decisions 1400, 1610): a privacy
 * erasure deletes an open session's audio log, its windows and their segments, and the session
 * itself, so that the call can go; transcript retention purges the windows' segments with the
 * transcripts, and a purged live call is never transcribed again from what is left.
 */
jest.setTimeout(90_000);

const DAY = 86_400_000;
const PREFIX = `live-privacy-${process.pid}-${Date.now().toString(36)}`;
const { pcm: CALL } = twoSidedCall();

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let t: TestApp;
let agent: TokenPair;
let admin: TokenPair;

beforeAll(async () => {
  db = await migratedDatabase('live_privacy');
  t = await startTestApp({
    REDIS_PREFIX: PREFIX,
    LIVE_VAD: 'energy',
    DATABASE_URL: db.url,
    TRANSCRIPT_RETENTION_DAYS: '90',
  });
  agent = await t.userWithRole('agent');
  admin = await t.userWithRole('admin');
});
afterAll(async () => {
  await t?.close();
  await deleteRedisPrefix(PREFIX);
  await db?.drop();
});

const repo = () => t.live.service['d'].repo;
const logFile = (id: string) => join(t.config.storageDir, 'live', id);
const count = async (sql: string, callId: string) =>
  Number(
    ((await t.sequelize.query(sql, { replacements: { callId } }))[0] as { n: string }[])[0]!.n,
  );
const windowsOfCall = (callId: string) =>
  count(`SELECT COUNT(*) AS n FROM live_windows WHERE call_id = :callId`, callId);
const sessionsOfCall = (callId: string) =>
  count(`SELECT COUNT(*) AS n FROM live_recordings WHERE call_id = :callId`, callId);

let calls = 0;
async function callFrom(remoteNumber: string): Promise<string> {
  const res = await t.http
    .post('/api/calls')
    .set(as(agent))
    .send({
      direction: 'inbound',
      pbxCallId: `pbx-live-privacy-${process.pid}-${++calls}`,
      startedAt: new Date().toISOString(),
      remoteNumber,
    });
  expect(res.status).toBe(201);
  await t.http.patch(`/api/calls/${res.body.id}`).set(as(agent)).send({ event: 'answered' });
  return res.body.id as string;
}

describe('privacy erasure', () => {
  it('deleting a call mid-call erases its open session: audio log, windows, waiting jobs, the session', async () => {
    const callId = await callFrom('+33 6 12 34 56 01');
    const id = await openLive(t, agent, callId);
    await stream(t, agent, id, CALL, 0, CALL.length - 64_000);
    const windows = await repo().windowsOf({ kind: 'live', id });
    expect(windows.length).toBeGreaterThan(0);
    const jobIds = windows.map((w) => `window-live-${id}-${w.channel}-${w.startSample}`);

    const dry = await t.http.delete(`/api/calls/${callId}?dryRun=true`).set(as(admin));
    expect(dry.status).toBe(200);
    expect(PrivacyReport.parse(dry.body).counts).toMatchObject({
      calls: 1,
      recordings: 0,
      audioFiles: 1,
      liveRecordings: 1,
    });
    expect(existsSync(logFile(id))).toBe(true);
    expect(await windowsOfCall(callId)).toBe(windows.length);

    const res = await t.http.delete(`/api/calls/${callId}`).set(as(admin));
    expect(res.status).toBe(200);
    expect(PrivacyReport.parse(res.body).counts).toMatchObject({
      calls: 1,
      audioFiles: 1,
      liveRecordings: 1,
    });
    expect(existsSync(logFile(id))).toBe(false);
    expect(await windowsOfCall(callId)).toBe(0);
    expect(await sessionsOfCall(callId)).toBe(0);
    expect(await t.models.Call.findByPk(callId)).toBeNull();
    for (const jobId of jobIds) expect(await t.queues.transcription.getJob(jobId)).toBeUndefined();

    // The client, still streaming, is told the session is gone; nothing is written again.
    const late = await append(t, agent, id, CALL.length - 64_000, CALL.subarray(0, 4_000));
    expect(late.status).toBe(404);
    expect(existsSync(logFile(id))).toBe(false);
    await t.live.service.sweep();
    expect(await sessionsOfCall(callId)).toBe(0);
  });

  it('erasing a number covers its calls’ live sessions, open or closed', async () => {
    const number = '+33 6 12 34 56 02';
    const [open, closed] = [await callFrom(number), await callFrom(number)];
    const openId = await openLive(t, agent, open);
    await stream(t, agent, openId, CALL, 0, 128_000);
    const closedId = await openLive(t, agent, closed);
    await stream(t, agent, closedId, CALL);
    const close = await t.http
      .post(`/api/live-recordings/${closedId}/close`)
      .set(as(agent))
      .send({ totalBytes: CALL.length });
    expect(close.status).toBe(200);
    expect(await windowsOfCall(closed)).toBeGreaterThan(0);

    const res = await t.http
      .post('/api/admin/privacy/erase')
      .set(as(admin))
      .send({ number, dryRun: false });
    expect(res.status).toBe(200);
    expect(PrivacyReport.parse(res.body).counts).toMatchObject({
      calls: 2,
      recordings: 1,
      liveRecordings: 2,
      // the closed session's WAV in the store and the open one's log
      audioFiles: 2,
    });
    for (const callId of [open, closed]) {
      expect(await windowsOfCall(callId)).toBe(0);
      expect(await sessionsOfCall(callId)).toBe(0);
    }
    expect(existsSync(logFile(openId))).toBe(false);
  });
});

describe('subject export', () => {
  let worker: InProcessWorker;
  beforeAll(async () => {
    worker = await startInProcessWorker(t, 'live-export');
  });
  afterAll(() => stopWorker(worker));

  const zipOf = async (number: string, includeAudio: boolean) => {
    const res = await t.http
      .post('/api/admin/privacy/export')
      .set(as(admin))
      .send({ number, includeAudio, dryRun: false })
      .buffer(true)
      .parse((r, cb) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => cb(null, Buffer.concat(parts)));
      });
    expect(res.status).toBe(200);
    const zip = await readZip(res.body as Buffer);
    return {
      zip,
      doc: SubjectExport.parse(JSON.parse(zip.get('export.json')!.toString('utf8'))),
    };
  };

  it('carries an open session: what it holds, its windows’ segments so far and, asked, its audio', async () => {
    const number = '+33 6 12 34 56 05';
    const callId = await callFrom(number);
    const id = await openLive(t, agent, callId);
    const held = CALL.length - 64_000;
    await stream(t, agent, id, CALL, 0, held);
    // The real worker transcribes the windows cut so far while the call goes on.
    const windows = await eventually(
      'transcribed windows',
      async () => {
        const w = await repo().windowsOf({ kind: 'live', id });
        return w.length > 0 && w.every((x) => x.state !== 'queued') ? w : null;
      },
      60_000,
    );
    const segments = windows.flatMap((w) =>
      (w.segments ?? []).map((s) => ({ ...s, speaker: w.channel })),
    );
    expect(segments.length).toBeGreaterThan(0);

    const plan = await t.http
      .post('/api/admin/privacy/export')
      .set(as(admin))
      .send({ number, includeAudio: true, dryRun: true });
    expect(plan.status).toBe(200);
    expect(PrivacyReport.parse(plan.body).counts).toMatchObject({
      calls: 1,
      recordings: 0,
      transcripts: 0,
      liveRecordings: 1,
      audioFiles: 1,
    });

    const { zip, doc } = await zipOf(number, true);
    const call = doc.calls.find((c) => c.id === callId)!;
    expect(call.transcript).toBeNull();
    expect(call.liveRecordings).toHaveLength(1);
    const live = call.liveRecordings[0]!;
    expect(live).toMatchObject({
      id,
      state: 'open',
      cutOff: false,
      bytesHeld: held,
      closedAt: null,
      audioFile: `audio/live-${id}.wav`,
    });
    expect(live.windows.map((w) => [w.channel, w.startSample, w.endSample, w.state])).toEqual(
      windows.map((w) => [w.channel, w.startSample, w.endSample, w.state]),
    );
    expect(live.windows.flatMap((w) => w.segments)).toEqual(segments);
    // The audio held so far, decrypted from the live log: bit-exact with what was streamed.
    expect(zip.get(live.audioFile!)!.equals(wavOf(CALL.subarray(0, held)))).toBe(true);
    expect([...zip.keys()].sort()).toEqual(['export.json', live.audioFile].sort());

    // Without audio: the same session and segments, no WAV.
    const bare = await zipOf(number, false);
    const again = bare.doc.calls.find((c) => c.id === callId)!.liveRecordings[0]!;
    expect(again.audioFile).toBeNull();
    expect(again.windows.flatMap((w) => w.segments)).toEqual(segments);
    expect([...bare.zip.keys()]).toEqual(['export.json']);
    // Exporting changed nothing: the session still takes audio.
    expect((await append(t, agent, id, held, CALL.subarray(held, held + 400))).status).toBe(200);
  });
});

describe('transcript retention', () => {
  let worker: InProcessWorker;
  beforeAll(async () => {
    worker = await startInProcessWorker(t, 'live-retention');
  });
  afterAll(() => stopWorker(worker));

  it('purges the windows’ segments with the transcripts, keeps an open session’s, and never transcribes a purged call again', async () => {
    // A live call transcribed long ago...
    const oldCall = await callFrom('+33 6 12 34 56 03');
    const oldId = await openLive(t, agent, oldCall);
    await stream(t, agent, oldId, CALL);
    expect(
      (
        await t.http
          .post(`/api/live-recordings/${oldId}/close`)
          .set(as(agent))
          .send({ totalBytes: CALL.length })
      ).status,
    ).toBe(200);
    await eventually('the old call’s transcript', async () =>
      Boolean(await t.models.Transcript.findOne({ where: { callId: oldCall } })),
    );
    const old = await windowsOfCall(oldCall);
    expect(old).toBeGreaterThan(0);
    // ...and one streaming now, whose windows are (artificially) as old.
    const openCall = await callFrom('+33 6 12 34 56 04');
    const openId = await openLive(t, agent, openCall);
    await stream(t, agent, openId, CALL, 0, CALL.length - 64_000);
    const open = await windowsOfCall(openCall);
    expect(open).toBeGreaterThan(0);
    const longAgo = new Date(Date.now() - 100 * DAY);
    await t.sequelize.query(
      `UPDATE live_windows SET created_at = :longAgo WHERE call_id IN (:calls)`,
      { replacements: { longAgo, calls: [oldCall, openCall] } },
    );
    await t.models.Transcript.update({ createdAt: longAgo }, { where: { callId: oldCall } });

    const dry = await t.retention.service.run({ dryRun: true });
    expect(dry.liveWindowsPurged).toBe(old);
    expect(await windowsOfCall(oldCall)).toBe(old);

    const report = await t.retention.service.run();
    expect(report.liveWindowsPurged).toBe(old);
    expect(report.transcriptsPurged).toBeGreaterThanOrEqual(1);
    expect(await windowsOfCall(oldCall)).toBe(0);
    expect(await t.models.Transcript.count({ where: { callId: oldCall } })).toBe(0);
    expect(await windowsOfCall(openCall)).toBe(open);
    const entry = await t.models.AuditLog.findOne({
      where: { action: 'retention.run' },
      order: [['id', 'DESC']],
    });
    expect(entry!.details).toMatchObject({ liveWindowsPurged: old });

    // The sweeper does not pick the purged call up again (it is past `transcribed`).
    expect(
      (
        await repo().closedWithoutTranscript([
          'ended',
          'uploaded',
          'queued',
          'transcribing',
          'failed',
        ])
      ).map((r) => r.callId),
    ).not.toContain(oldCall);
    await t.live.service.sweep();
    expect(await t.models.Transcript.count({ where: { callId: oldCall } })).toBe(0);
    expect((await t.models.Call.findByPk(oldCall))!.status).toBe('transcribed');
  });
});
