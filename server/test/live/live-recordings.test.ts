/**
 * @jest-environment @cwn/test-support/native-realm.jest-environment
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import type request from 'supertest';
import {
  LIVE_MAX_APPEND_BYTES,
  serverEventSchemas,
  TranscribeWindowJob,
  type LiveRecording,
  type ServerEventName,
  type TokenPair,
} from '@cwn/protocol';
import { startTestApp, TEST_WORKER_TOKEN, type TestApp } from '@cwn/test-support/app';
import { eventually } from '@cwn/test-support/eventually';
import { deleteRedisPrefix } from '@cwn/test-support/services';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import {
  append,
  as,
  FORMAT,
  newCall,
  openLive,
  stopWorker,
  stream,
  twoSidedCall,
  wavOf,
} from './live-kit';

/**
 * The live recording protocol end to end (decision 1400) on the real server, PostgreSQL, Redis and
 * Silero VAD: appends sealed in order, windows cut at pauses and queued, their results stored and
 * pushed, the final WAV bit-exact and the transcript ready once after close. Window jobs are
 * transcribed by the real worker (worker-gpu's, whisper.cpp with the generated model), which
 * fetches each window's audio from the internal endpoint.
 */
jest.setTimeout(90_000);

const PREFIX = `live-${process.pid}-${Date.now().toString(36)}`;
const ENV = { REDIS_PREFIX: PREFIX, LIVE_VAD: 'silero' };
const { pcm: CALL, utterances } = twoSidedCall();

let t: TestApp;
let worker: InProcessWorker;
let agent: TokenPair;
let otherAgent: TokenPair;
let supervisor: TokenPair;

beforeAll(async () => {
  t = await startTestApp(ENV);
  worker = await startInProcessWorker(t, 'live');
  agent = await t.userWithRole('agent');
  otherAgent = await t.userWithRole('agent');
  supervisor = await t.userWithRole('supervisor');
});
afterAll(async () => {
  await stopWorker(worker);
  await t.close();
  await deleteRedisPrefix(PREFIX);
});

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const parts: Buffer[] = [];
  res.on('data', (c: Buffer) => parts.push(c));
  res.on('end', () => cb(null, Buffer.concat(parts)));
};

async function state(id: string, who: TokenPair = agent): Promise<LiveRecording> {
  const res = await t.http.get(`/api/live-recordings/${id}`).set(as(who));
  expect(res.status).toBe(200);
  return res.body as LiveRecording;
}

async function storedAudio(recordingId: string): Promise<Buffer> {
  const res = await t.http
    .get(`/api/recordings/${recordingId}/audio`)
    .set(as(agent))
    .buffer(true)
    .parse(binary);
  expect(res.status).toBe(200);
  return res.body as Buffer;
}

const repoWindows = (id: string) => t.live.service['d'].repo.windowsOf({ kind: 'live', id });
const jobIdOf = (id: string, w: { channel: string; startSample: number }) =>
  `window-live-${id}-${w.channel}-${w.startSample}`;
/** The windows' segments as the transcript holds them: in call time, spoken by their channel. */
const segmentsOfWindows = (windows: Awaited<ReturnType<typeof repoWindows>>) =>
  windows
    .flatMap((w) => (w.segments ?? []).map((s) => ({ ...s, speaker: w.channel })))
    .sort(
      (a, b) => a.startMs - b.startMs || a.endMs - b.endMs || a.speaker.localeCompare(b.speaker),
    )
    .map((s) => `${s.speaker}/${s.startMs}/${s.endMs}/${s.text}`);
const keysOf = (segments: { speaker: string; startMs: number; endMs: number; text: string }[]) =>
  segments.map((s) => `${s.speaker}/${s.startMs}/${s.endMs}/${s.text}`);
/** Resolves once every window cut so far (at least one) has its result. */
const windowsDone = (id: string) =>
  eventually(
    'the windows so far transcribed',
    async () => {
      const w = await repoWindows(id);
      return w.length > 0 && w.every((x) => x.state === 'done') ? w : null;
    },
    60_000,
  );

async function transcriptOf(callId: string) {
  return eventually(
    'the transcript',
    async () => {
      const res = await t.http.get(`/api/calls/${callId}/transcript`).set(as(agent));
      return res.body.transcript ?? null;
    },
    30_000,
  );
}

/** Windows of one channel never overlap, and every utterance is inside some window. */
function expectCovered(windows: { channel: string; startSample: number; endSample: number }[]) {
  for (const channel of ['agent', 'caller']) {
    const mine = windows
      .filter((w) => w.channel === channel)
      .sort((a, b) => a.startSample - b.startSample);
    for (let i = 1; i < mine.length; i++)
      expect(mine[i]!.startSample).toBeGreaterThanOrEqual(mine[i - 1]!.endSample);
  }
  for (const u of utterances) {
    const inside = windows.filter(
      (w) => w.channel === u.channel && w.startSample < u.end && w.endSample > u.start,
    );
    expect(inside.length).toBeGreaterThan(0);
  }
}

describe('opening', () => {
  it('opens once per call, for its agent only', async () => {
    const callId = await newCall(t, agent);
    const other = await t.http
      .post(`/api/calls/${callId}/live`)
      .set(as(otherAgent))
      .send({ format: FORMAT });
    expect(other.status).toBe(404);
    const bySupervisor = await t.http
      .post(`/api/calls/${callId}/live`)
      .set(as(supervisor))
      .send({ format: FORMAT });
    expect(bySupervisor.status).toBe(404);
    const badFormat = await t.http
      .post(`/api/calls/${callId}/live`)
      .set(as(agent))
      .send({ format: { ...FORMAT, sampleRate: 8000 } });
    expect(badFormat.status).toBe(400);
    expect(await t.live.service['d'].repo.findByCall(callId)).toBeNull();

    const opened = await t.http
      .post(`/api/calls/${callId}/live`)
      .set(as(agent))
      .send({ format: FORMAT });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ callId, state: 'open', offset: 0, cutOff: false });
    await stream(t, agent, opened.body.id, CALL, 0, 64_000);

    const again = await t.http
      .post(`/api/calls/${callId}/live`)
      .set(as(agent))
      .send({ format: FORMAT });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'live_recording_exists',
      details: { liveRecordingId: opened.body.id, expectedOffset: 64_000 },
    });
    expect((await state(opened.body.id)).offset).toBe(64_000);
  });
});

describe('bad appends change nothing', () => {
  let id: string;
  const held = 128_000;
  beforeAll(async () => {
    const callId = await newCall(t, agent);
    id = await openLive(t, agent, callId);
    await stream(t, agent, id, CALL, 0, held);
  });

  const cases: [string, () => request.Test, number, string][] = [
    [
      'another agent',
      () => append(t, otherAgent, id, held, CALL.subarray(held, held + 400)),
      404,
      'not_found',
    ],
    [
      'a supervisor',
      () => append(t, supervisor, id, held, CALL.subarray(held, held + 400)),
      404,
      'not_found',
    ],
    [
      'another sample format',
      () => append(t, agent, id, held, CALL.subarray(held, held + 400), 'audio/wav'),
      415,
      'unsupported_media_type',
    ],
    [
      'no Upload-Offset',
      () =>
        t.http
          .put(`/api/live-recordings/${id}/audio`)
          .set(as(agent))
          .set('Content-Type', 'application/octet-stream')
          .send(CALL.subarray(held, held + 400)),
      400,
      'bad_request',
    ],
    [
      'an offset inside a frame',
      () => append(t, agent, id, held + 2, CALL.subarray(held, held + 400)),
      400,
      'bad_request',
    ],
    [
      'not whole frames',
      () => append(t, agent, id, held, CALL.subarray(held, held + 401)),
      400,
      'bad_request',
    ],
    [
      'an oversized append',
      () => append(t, agent, id, held, Buffer.alloc(LIVE_MAX_APPEND_BYTES + 4)),
      413,
      'payload_too_large',
    ],
    [
      'a gap',
      () => append(t, agent, id, held + 400, CALL.subarray(held + 400, held + 800)),
      409,
      'live_offset_mismatch',
    ],
    [
      'other bytes over what is held',
      () => append(t, agent, id, held - 400, Buffer.alloc(800, 7)),
      409,
      'live_offset_mismatch',
    ],
  ];

  it.each(cases)('%s', async (_name, send, status, code) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    if (code === 'live_offset_mismatch')
      expect(res.body.error.details).toEqual({ expectedOffset: held });
    const s = await state(id);
    expect(s.offset).toBe(held);
    expect(s.state).toBe('open');
    const log = t.live.service['d'].log;
    expect(
      Buffer.compare(
        await log.read(id, t.config.keyring.current.id, 0, held),
        CALL.subarray(0, held),
      ),
    ).toBe(0);
  });

  it('the same bytes again are a no-op (200, duplicate), also when they overlap the end', async () => {
    const dup = await append(t, agent, id, held - 32_000, CALL.subarray(held - 32_000, held));
    expect(dup.status).toBe(200);
    expect(dup.body).toEqual({ offset: held, duplicate: true });
    const overlap = await append(t, agent, id, held - 400, CALL.subarray(held - 400, held + 400));
    expect(overlap.status).toBe(200);
    expect(overlap.body).toEqual({ offset: held + 400, duplicate: false });
  });
});

describe('a whole call', () => {
  const sockets: Socket[] = [];
  afterAll(() => sockets.forEach((s) => s.disconnect()));

  async function listen(p: TokenPair) {
    const s = connect(t.url(), {
      auth: { token: p.accessToken },
      transports: ['websocket'],
      reconnection: false,
    });
    sockets.push(s);
    const got: { event: ServerEventName; payload: Record<string, unknown> }[] = [];
    s.onAny((event: ServerEventName, payload: Record<string, unknown>) => {
      expect(serverEventSchemas[event].safeParse(payload).success).toBe(true);
      got.push({ event, payload });
    });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });
    return got;
  }

  it('streams with a cut, pushes segments to the agent and the watchers, ends bit-exact with one transcript.ready', async () => {
    const [mine, watching, others] = [
      await listen(agent),
      await listen(supervisor),
      await listen(otherAgent),
    ];
    const callId = await newCall(t, agent);
    const id = await openLive(t, agent, callId, { languageHint: 'en' });

    // The client sends a third, its network drops (the last append's answer is lost), and it
    // resumes from the offset the server gives: what it resends is partly held already.
    const third = Math.floor(CALL.length / 3 / 4) * 4;
    await stream(t, agent, id, CALL, 0, third);
    const offset = (await state(id)).offset;
    expect(offset).toBe(third);
    // Up to the pause after the caller's turn; then, as in a call, the next audio comes once the
    // worker has the first windows' text (which later windows of a channel take as context).
    const afterCaller = (utterances[1]!.end + 12_000) * 4;
    await stream(t, agent, id, CALL, offset - 24_000, afterCaller, 24_000);
    await windowsDone(id);
    await stream(t, agent, id, CALL, afterCaller, CALL.length, 24_000);

    // Segments arrive while the session is open.
    await eventually(
      'a live segment',
      () => mine.some((e) => e.event === 'transcript.live'),
      30_000,
    );
    expect((await state(id)).state).toBe('open');

    const closed = await t.http
      .post(`/api/live-recordings/${id}/close`)
      .set(as(agent))
      .send({ totalBytes: CALL.length });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ state: 'closed', offset: CALL.length, cutOff: false });
    const again = await t.http
      .post(`/api/live-recordings/${id}/close`)
      .set(as(agent))
      .send({ totalBytes: CALL.length });
    expect(again.status).toBe(200);
    expect(again.body.recordingId).toBe(closed.body.recordingId);
    const late = await append(t, agent, id, CALL.length, CALL.subarray(0, 400));
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('live_recording_closed');

    // The log is gone (the recording holds the audio now), and that recording is the WAV of
    // exactly what was streamed.
    expect(existsSync(join(t.config.storageDir, 'live', id))).toBe(false);
    expect(Buffer.compare(await storedAudio(closed.body.recordingId), wavOf(CALL))).toBe(0);

    const transcript = await transcriptOf(callId);
    const windows = await t.live.service['d'].repo.windowsOf({ kind: 'live', id });
    expectCovered(windows);
    expect(windows.every((w) => w.state === 'done')).toBe(true);
    // The transcript is the windows' segments, each once, in call time within its window.
    expect(transcript.segments.length).toBeGreaterThan(0);
    expect(keysOf(transcript.segments)).toEqual(segmentsOfWindows(windows));
    for (const w of windows)
      for (const s of w.segments ?? []) {
        expect(s.startMs).toBeGreaterThanOrEqual(Math.floor(w.startSample / 16));
        expect(s.startMs).toBeLessThan(Math.ceil(w.endSample / 16));
      }
    // Its timings come from the windows' (the worker's reports): the work summed, the queue's waits.
    expect(windows.every((w) => w.timings && w.timings.queueMs !== null)).toBe(true);
    const sum = (k: 'fetchMs' | 'decodeMs' | 'transcribeMs' | 'totalMs' | 'queueMs') =>
      windows.reduce((a, w) => a + (w.timings![k] ?? 0), 0);
    expect(transcript.timings).toEqual({
      fetchMs: sum('fetchMs'),
      decodeMs: sum('decodeMs'),
      transcribeMs: sum('transcribeMs'),
      totalMs: sum('totalMs'),
      windows: windows.length,
      queueMs: sum('queueMs'),
      queueMsMax: Math.max(...windows.map((w) => w.timings!.queueMs!)),
    });
    expect(transcript.timings.transcribeMs).toBeGreaterThan(0);
    // Each window's audio, as a worker reads it, is its own channel's, mono: loud where it speaks.
    for (const w of windows) {
      const res = await t.http
        .get(`/internal/live-recordings/${id}/window`)
        .query({ channel: w.channel, start: w.startSample, end: w.endSample })
        .set('Authorization', `Bearer ${TEST_WORKER_TOKEN}`)
        .buffer(true)
        .parse(binary);
      expect(res.status).toBe(200);
      const wav = res.body as Buffer;
      expect(wav.readUInt16LE(22)).toBe(1);
      expect(wav.length).toBe(44 + (w.endSample - w.startSample) * 2);
      let sq = 0;
      for (let i = 44; i < wav.length; i += 2) sq += wav.readInt16LE(i) ** 2;
      expect(Math.sqrt(sq / ((wav.length - 44) / 2))).toBeGreaterThan(100);
    }
    // Each job: live priority, the session's language hint, and as context its own channel's text
    // of the latest window transcribed before it (the first of a channel has none).
    const jobs = await Promise.all(
      windows.map(async (w) => {
        const job = (await t.queues.transcription.getJob(jobIdOf(id, w)))!;
        return { w, job, data: TranscribeWindowJob.parse(job.data) };
      }),
    );
    const textOf = (w: (typeof windows)[number]) =>
      (w.segments ?? [])
        .map((s) => s.text.trim())
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim();
    for (const { w, job, data } of jobs) {
      expect(data.languageHint).toBe('en');
      expect(job.opts.priority).toBe(1);
      const earlier = windows.filter(
        (x) => x.channel === w.channel && x.startSample < w.startSample,
      );
      if (earlier.length === 0) expect(data.context).toBe('');
      else if (data.context)
        expect(earlier.some((x) => textOf(x).endsWith(data.context))).toBe(true);
    }
    // The agent's second window was cut after its first was transcribed: that text is its context.
    const agents = jobs
      .filter((j) => j.w.channel === 'agent')
      .sort((a, b) => a.w.startSample - b.w.startSample);
    expect(agents.length).toBeGreaterThan(1);
    expect(agents[agents.length - 1]!.data.context).not.toBe('');
    const recording = await t.models.Recording.findByPk(closed.body.recordingId);
    expect(recording!.languageHint).toBe('en');
    const call = await t.http.get(`/api/calls/${callId}`).set(as(agent));
    expect(call.body.call.status).toBe('transcribed');

    // Replays change nothing: every window completed again, a reconciliation pass, a finalize.
    for (const { job } of jobs) {
      expect(
        await t.live.service.windowCompleted({
          id: job.id,
          returnvalue: job.returnvalue,
          finishedOn: job.finishedOn,
        }),
      ).toBe(false);
    }
    expect((await t.transcriptionEvents.reconcile()).windows).toBe(0);
    await t.live.service.finalize(id);
    expect(
      (await t.live.service['d'].repo.windowsOf({ kind: 'live', id })).map((w) => w.segments),
    ).toEqual(windows.map((w) => w.segments));

    // A later event to the agent: everything published before it has arrived.
    await openLive(t, agent, await newCall(t, agent));
    await eventually(
      'the marker',
      () => mine.filter((e) => e.event === 'live.changed').length >= 3,
    );
    const ofCall = (list: typeof mine, event: ServerEventName) =>
      list.filter((e) => e.event === event && e.payload.callId === callId);
    expect(ofCall(mine, 'transcript.ready')).toHaveLength(1);
    expect(ofCall(watching, 'transcript.ready')).toHaveLength(1);
    expect(ofCall(mine, 'transcript.live').length).toBeGreaterThanOrEqual(windows.length);
    expect(ofCall(watching, 'transcript.live').length).toBe(ofCall(mine, 'transcript.live').length);
    expect(ofCall(others, 'transcript.live')).toHaveLength(0);
    expect(ofCall(mine, 'live.changed').map((e) => e.payload.state)).toEqual(['open', 'closed']);
  });

  it('a close with other than what is held is refused with the offset expected', async () => {
    const callId = await newCall(t, agent);
    const id = await openLive(t, agent, callId);
    await stream(t, agent, id, CALL, 0, 64_000);
    const res = await t.http
      .post(`/api/live-recordings/${id}/close`)
      .set(as(agent))
      .send({ totalBytes: 96_000 });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'live_offset_mismatch',
      details: { expectedOffset: 64_000 },
    });
    expect((await state(id)).state).toBe('open');
    const other = await t.http
      .post(`/api/live-recordings/${id}/close`)
      .set(as(otherAgent))
      .send({ totalBytes: 64_000 });
    expect(other.status).toBe(404);
  });
});

describe('the wallboard', () => {
  it('marks an agent transcribed live while the session is open, never with its text', async () => {
    const liveOf = async (userId: string) => {
      const res = await t.http.get('/api/dashboard/summary').set(as(supervisor));
      expect(res.status).toBe(200);
      return res.body.agents.find((a: { id: string }) => a.id === userId)?.liveTranscription;
    };
    // agents of their own: the other tests leave sessions of theirs open
    const [agent, otherAgent] = [await t.userWithRole('agent'), await t.userWithRole('agent')];
    const callId = await newCall(t, agent);
    expect(await liveOf(agent.user.id)).toBe(false);
    const id = await openLive(t, agent, callId);
    await stream(t, agent, id, CALL, 0, 64_000);
    expect(await liveOf(agent.user.id)).toBe(true);
    expect(await liveOf(otherAgent.user.id)).toBe(false);
    const closed = await t.http
      .post(`/api/live-recordings/${id}/close`)
      .set(as(agent))
      .send({ totalBytes: 64_000 });
    expect(closed.status).toBe(200);
    expect(await liveOf(agent.user.id)).toBe(false);
  });
});

describe('faults', () => {
  it('a server restarted mid-call: the session resumes, no window lost or doubled, the WAV bit-exact', async () => {
    const callId = await newCall(t, agent);
    const id = await openLive(t, agent, callId);
    const half = Math.floor(CALL.length / 2 / 4) * 4;
    await stream(t, agent, id, CALL, 0, half);
    // Paced as a real-time call would be: the first half's windows are transcribed before the
    // second half arrives (all at once here), else a channel still busy holds its next window
    // open until the close (decision 1401) and no window of the second half is cut mid-call.
    await eventually(
      "the first half's windows transcribed",
      async () => {
        const w = await t.live.service['d'].repo.windowsOf({ kind: 'live', id });
        return w.length > 0 && w.every((x) => x.state === 'done');
      },
      60_000,
    );

    // A second server on the same database, storage and Redis: it has no windower in memory.
    const second = await startTestApp({ ...ENV, STORAGE_DIR: t.config.storageDir });
    try {
      expect((await second.http.get(`/api/live-recordings/${id}`).set(as(agent))).body.offset).toBe(
        half,
      );
      let at = half;
      while (at < CALL.length) {
        const end = Math.min(CALL.length, at + 32_000);
        const res = await append(second, agent, id, at, CALL.subarray(at, end));
        expect(res.status).toBe(200);
        at = res.body.offset;
      }
      // Windows cut by the second server are transcribed during the call, their audio read by the
      // first (where the worker fetches it) from the log the second one appended to.
      await eventually(
        'the windows of both halves transcribed before the close',
        async () => {
          const w = await t.live.service['d'].repo.windowsOf({ kind: 'live', id });
          return w.some((x) => x.startSample * 4 > half) && w.every((x) => x.state === 'done');
        },
        30_000,
      );
      const closed = await second.http
        .post(`/api/live-recordings/${id}/close`)
        .set(as(agent))
        .send({ totalBytes: CALL.length });
      expect(closed.status).toBe(200);
      expect(Buffer.compare(await storedAudio(closed.body.recordingId), wavOf(CALL))).toBe(0);
      await transcriptOf(callId);
      const windows = await t.live.service['d'].repo.windowsOf({ kind: 'live', id });
      expectCovered(windows);
      // Every window was transcribed: the first server, where the worker fetches the audio, read
      // the second one's appends from the log too.
      expect(windows.map((w) => w.state)).toEqual(windows.map(() => 'done'));
    } finally {
      await second.close();
    }
  });

  it('a restart late in a long call replays a bounded tail of the log, not the whole call', async () => {
    // 90 s: the caller speaks only at the start, the agent all along (energy VAD: lighter here).
    // Its windows go to a queue of their own, which no worker takes: what is checked here is how
    // the log is replayed and cut, and a minute of windows would hold the worker up for the others.
    const env = {
      ...ENV,
      REDIS_PREFIX: `${PREFIX}-long`,
      LIVE_VAD: 'energy',
      STORAGE_DIR: t.config.storageDir,
    };
    const first = await startTestApp(env);
    const long = Buffer.alloc(90 * 16_000 * 4);
    CALL.copy(long, 0);
    const agentOnly = Buffer.from(CALL);
    for (let i = 2; i < agentOnly.length; i += 4) agentOnly.writeInt16LE(0, i);
    for (let at = CALL.length; at + CALL.length <= long.length; at += CALL.length)
      agentOnly.copy(long, at);
    const callId = await newCall(first, agent);
    const id = await openLive(first, agent, callId);
    const cut = 80 * 16_000 * 4;
    try {
      await stream(first, agent, id, long, 0, cut, 256_000);
    } finally {
      await first.close();
    }
    const second = await startTestApp(env);
    try {
      const log = second.live.service['d'].log;
      let replayed = 0;
      const read = log.read.bind(log);
      log.read = async (...args: Parameters<typeof log.read>) => {
        replayed += args[3] - args[2];
        return read(...args);
      };
      await stream(second, agent, id, long, cut, long.length, 256_000);
      // At most the margin (a window and an append) was read back, not the 80 s before it.
      expect(replayed).toBeGreaterThan(0);
      expect(replayed).toBeLessThan(50 * 16_000 * 4);
      const closed = await second.http
        .post(`/api/live-recordings/${id}/close`)
        .set(as(agent))
        .send({ totalBytes: long.length });
      expect(closed.status).toBe(200);
      const windows = await repoWindows(id);
      for (const channel of ['agent', 'caller']) {
        const mine = windows
          .filter((w) => w.channel === channel)
          .sort((a, b) => a.startSample - b.startSample);
        for (let i = 1; i < mine.length; i++)
          expect(mine[i]!.startSample).toBeGreaterThanOrEqual(mine[i - 1]!.endSample);
      }
      // The agent's speech after the restart is in windows too.
      expect(windows.some((w) => w.channel === 'agent' && w.endSample > cut / 4)).toBe(true);
    } finally {
      await second.close();
      await deleteRedisPrefix(env.REDIS_PREFIX);
    }
  });

  it('a window completed twice (a retried job): its segments replaced, never doubled', async () => {
    const callId = await newCall(t, agent);
    const id = await openLive(t, agent, callId);
    await stream(t, agent, id, CALL, 0, CALL.length);
    const windows = await windowsDone(id);
    const w = windows[0]!;
    const jobId = `window-live-${id}-${w.channel}-${w.startSample}`;
    const later = Date.now() + 60_000;
    const result = (text: string) => ({
      segments: [{ speaker: w.channel, startMs: 1, endMs: 2, text }],
      language: 'en',
      model: 'm',
      engine: 'e',
    });
    expect(
      await t.live.service.windowCompleted({
        id: jobId,
        returnvalue: result('second run'),
        finishedOn: later,
      }),
    ).toBe(true);
    expect(
      await t.live.service.windowCompleted({
        id: jobId,
        returnvalue: result('second run'),
        finishedOn: later,
      }),
    ).toBe(false);
    expect(
      await t.live.service.windowCompleted({
        id: jobId,
        returnvalue: result('older run'),
        finishedOn: later - 1,
      }),
    ).toBe(false);
    const live = await t.http.get(`/api/calls/${callId}/live-transcript`).set(as(supervisor));
    expect(live.status).toBe(200);
    expect(
      live.body.segments.filter((s: { text: string }) => s.text === 'second run'),
    ).toHaveLength(1);
    // The window's first run's segments are gone; the other windows' stay as they were.
    expect(live.body.segments).toHaveLength(
      1 + windows.slice(1).reduce((n, x) => n + (x.segments ?? []).length, 0),
    );
    expect(
      (await t.http.get(`/api/calls/${callId}/live-transcript`).set(as(otherAgent))).status,
    ).toBe(404);
  });

  it('a session nobody closes is closed by the idle timeout: what arrived, transcribed, cut off', async () => {
    const idle = await startTestApp({
      ...ENV,
      LIVE_IDLE_TIMEOUT_MS: '1000',
      STORAGE_DIR: t.config.storageDir,
    });
    try {
      const callId = await newCall(idle, agent);
      const id = await openLive(idle, agent, callId);
      const part = Math.floor((CALL.length * 2) / 3 / 4) * 4;
      await stream(idle, agent, id, CALL, 0, part);
      const s = await eventually(
        'the idle close',
        async () => {
          const r = (await idle.http.get(`/api/live-recordings/${id}`).set(as(agent)))
            .body as LiveRecording;
          return r.state === 'closed' ? r : null;
        },
        20_000,
      );
      expect(s).toMatchObject({ cutOff: true, offset: part });
      expect(Buffer.compare(await storedAudio(s.recordingId!), wavOf(CALL.subarray(0, part)))).toBe(
        0,
      );
      await transcriptOf(callId);
      const late = await append(idle, agent, id, part, CALL.subarray(part, part + 400));
      expect(late.body.error.code).toBe('live_recording_closed');
    } finally {
      await idle.close();
    }
  });
});
