import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { LiveRecordingDiscarded, type LiveChangedEvent, type TokenPair } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { eventually } from '@cwn/test-support/eventually';
import { deleteRedisPrefix, migratedDatabase } from '@cwn/test-support/services';
import { append, as, newCall, openLive, stream, twoSidedCall } from './live-kit';

/**
 * "Don't record this call" pressed mid-call (decision 1400): `DELETE /api/live-recordings/:id`
 * leaves nothing of the session on disk, in PostgreSQL or in the queue; the idle sweeper does not
 * turn it into a recording; what the client sends afterwards gets a clear 410. No worker runs, so
 * the windows' jobs are still waiting when the session is discarded.
 */
jest.setTimeout(90_000);

const PREFIX = `live-discard-${process.pid}-${Date.now().toString(36)}`;
// The shortest idle timeout the server takes: the sweeper's pass is run by hand after it.
const ENV = { REDIS_PREFIX: PREFIX, LIVE_VAD: 'energy', LIVE_IDLE_TIMEOUT_MS: '1000' };
const { pcm: CALL } = twoSidedCall();

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let t: TestApp;
let agent: TokenPair;
let otherAgent: TokenPair;
let admin: TokenPair;
let manager: TokenPair;
const sockets: Socket[] = [];

beforeAll(async () => {
  db = await migratedDatabase('live_discard');
  t = await startTestApp({ ...ENV, DATABASE_URL: db.url });
  agent = await t.userWithRole('agent');
  otherAgent = await t.userWithRole('agent');
  admin = await t.userWithRole('admin');
  manager = await t.userWithRole('manager');
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await t?.close();
  await deleteRedisPrefix(PREFIX);
  await db?.drop();
});

const repo = () => t.live.service['d'].repo;
const logFile = (id: string) => join(t.config.storageDir, 'live', id);
const discard = (id: string, who: TokenPair) =>
  t.http.delete(`/api/live-recordings/${id}`).set(as(who));

async function listen(p: TokenPair): Promise<LiveChangedEvent[]> {
  const s = connect(t.url(), {
    auth: { token: p.accessToken },
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(s);
  const got: LiveChangedEvent[] = [];
  s.on('live.changed', (payload: LiveChangedEvent) => got.push(payload));
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return got;
}

async function rowsOfCall(callId: string) {
  const [windows, recordings, transcripts] = await Promise.all([
    t.sequelize.query(`SELECT id FROM live_windows WHERE call_id = :callId`, {
      replacements: { callId },
    }),
    t.models.Recording.count({ where: { callId } }),
    t.models.Transcript.count({ where: { callId } }),
  ]);
  return { windows: windows[0].length, recordings, transcripts };
}

it('discarded mid-call: nothing left on disk, in the database or the queue; the sweeper makes no recording of it; later appends get 410', async () => {
  const [mine, watching] = [await listen(agent), await listen(admin)];
  const callId = await newCall(t, agent);
  const id = await openLive(t, agent, callId);
  // The whole call but its last second: every utterance has closed a window, whose job waits.
  await stream(t, agent, id, CALL, 0, CALL.length - 64_000);
  const windows = await repo().windowsOf({ kind: 'live', id });
  expect(windows.length).toBeGreaterThan(0);
  const jobIds = windows.map((w) => `window-live-${id}-${w.channel}-${w.startSample}`);
  for (const jobId of jobIds) expect(await t.queues.transcription.getJob(jobId)).toBeDefined();
  expect(existsSync(logFile(id))).toBe(true);

  // Not another agent's to discard, nor a manager's (they own no call of theirs here).
  const other = await discard(id, otherAgent);
  expect(other.status).toBe(403);
  expect((await discard(id, manager)).status).toBe(403);
  expect((await discard(crypto.randomUUID(), agent)).status).toBe(404);
  expect(existsSync(logFile(id))).toBe(true);

  const res = await discard(id, agent);
  expect(res.status).toBe(204);
  expect(res.text).toBe('');

  // Nothing of it is left: the log file, the windows and their segments, the waiting jobs.
  expect(existsSync(logFile(id))).toBe(false);
  expect(await rowsOfCall(callId)).toEqual({ windows: 0, recordings: 0, transcripts: 0 });
  for (const jobId of jobIds) expect(await t.queues.transcription.getJob(jobId)).toBeUndefined();
  const tombstone = await repo().findRecording(id);
  expect(tombstone).toMatchObject({ state: 'discarded', offset: 0, totalBytes: null });

  // What the client sends afterwards is refused, clearly, and changes nothing.
  const late = await append(t, agent, id, CALL.length - 64_000, CALL.subarray(0, 4_000));
  expect(late.status).toBe(410);
  expect(late.body.error.code).toBe('live_recording_discarded');
  expect(LiveRecordingDiscarded.parse(late.body.error.details).liveRecordingId).toBe(id);
  const close = await t.http
    .post(`/api/live-recordings/${id}/close`)
    .set(as(agent))
    .send({ totalBytes: CALL.length - 64_000 });
  expect(close.status).toBe(410);
  const reopen = await t.http
    .post(`/api/calls/${callId}/live`)
    .set(as(agent))
    .send({ format: { sampleRate: 16000, channels: 2, encoding: 's16le' } });
  expect(reopen.status).toBe(409);
  expect(reopen.body.error.details).toMatchObject({ liveRecordingId: id, state: 'discarded' });
  expect((await discard(id, agent)).status).toBe(410);
  const got = await t.http.get(`/api/live-recordings/${id}`).set(as(agent));
  expect(got.body).toMatchObject({ state: 'discarded', offset: 0, recordingId: null });
  expect(existsSync(logFile(id))).toBe(false);

  // Past the idle timeout the sweeper's pass leaves it alone: no recording, no transcript.
  await new Promise((r) => setTimeout(r, 1_200));
  await t.live.service.sweep();
  expect(await rowsOfCall(callId)).toEqual({ windows: 0, recordings: 0, transcripts: 0 });
  expect((await repo().findRecording(id))!.state).toBe('discarded');
  // The call keeps its phone status, as a call with no recording.
  expect((await t.models.Call.findByPk(callId))!.status).toBe('connected');
  const ended = await t.http.patch(`/api/calls/${callId}`).set(as(agent)).send({ event: 'ended' });
  expect(ended.status).toBe(200);
  expect((await t.models.Call.findByPk(callId))!.status).toBe('ended');

  // Announced to the agent and the watchers, without text; audited once.
  await eventually('live.changed discarded', () =>
    [mine, watching].every((list) =>
      list.some((e) => e.liveRecordingId === id && e.state === 'discarded'),
    ),
  );
  expect(mine.filter((e) => e.liveRecordingId === id).map((e) => e.state)).toEqual([
    'open',
    'discarded',
  ]);
  const audit = await t.models.AuditLog.findAll({
    where: { action: 'live_recording.discard', targetId: id },
  });
  expect(audit).toHaveLength(1);
  expect(audit[0]!.details).toMatchObject({ callId, windows: windows.length });
});

it('an admin may discard an agent’s open session; a closed one is a recording: 409', async () => {
  const callId = await newCall(t, agent);
  const id = await openLive(t, agent, callId);
  await stream(t, agent, id, CALL, 0, 64_000);
  expect((await discard(id, admin)).status).toBe(204);
  expect(existsSync(logFile(id))).toBe(false);

  const closedCall = await newCall(t, agent);
  const closedId = await openLive(t, agent, closedCall);
  await stream(t, agent, closedId, CALL, 0, 64_000);
  const closed = await t.http
    .post(`/api/live-recordings/${closedId}/close`)
    .set(as(agent))
    .send({ totalBytes: 64_000 });
  expect(closed.status).toBe(200);
  const refused = await discard(closedId, agent);
  expect(refused.status).toBe(409);
  expect(refused.body.error).toMatchObject({
    code: 'live_recording_closed',
    details: { state: 'closed', recordingId: closed.body.recordingId },
  });
  expect(await t.models.Recording.count({ where: { callId: closedCall } })).toBe(1);
});

it('a discard racing appends: every append either lands before it or gets 410, and the log stays gone', async () => {
  const callId = await newCall(t, agent);
  const id = await openLive(t, agent, callId);
  await stream(t, agent, id, CALL, 0, 64_000);
  const appends = [0, 1, 2, 3].map((i) =>
    append(
      t,
      agent,
      id,
      64_000 + i * 16_000,
      CALL.subarray(64_000 + i * 16_000, 80_000 + i * 16_000),
    ),
  );
  const [res, ...answers] = await Promise.all([discard(id, agent), ...appends]);
  expect(res.status).toBe(204);
  for (const a of answers) expect([200, 409, 410]).toContain(a.status);
  expect(existsSync(logFile(id))).toBe(false);
  expect(await rowsOfCall(callId)).toEqual({ windows: 0, recordings: 0, transcripts: 0 });
});
