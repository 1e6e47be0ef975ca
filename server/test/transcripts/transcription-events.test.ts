import { Queue, UnrecoverableError, Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  CallDetail,
  CallTranscript,
  QUEUES,
  rooms,
  type TokenPair,
  type Transcript,
  type TranscriptionJob,
  type TranscriptionProgress,
} from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import {
  bullConnection,
  connected,
  dial,
  eventually,
  recordEvents,
  sampleResult,
  seedCallWithRecording,
  type ClientSocket,
} from '@cwn/test-support/transcript-fixtures';

let t: TestApp;
let agent: TokenPair;
let supervisor: TokenPair;
const cleanup: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  // A queue prefix of its own: the workers below take every job, the other test files' included.
  t = await startTestApp({ REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-events` });
  await t.transcriptionEvents.start();
  agent = await t.userWithRole('agent');
  supervisor = await t.userWithRole('supervisor');
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});
afterAll(async () => {
  await t.close();
});

const auth = (p: TokenPair) => ({ Authorization: `Bearer ${p.accessToken}` });

/** A BullMQ worker in the test process, standing in for worker-gpu. */
function startWorker(
  prefix: string,
  processor: Processor<TranscriptionJob>,
): Worker<TranscriptionJob> {
  const connection: Redis = bullConnection();
  const worker = new Worker<TranscriptionJob>(QUEUES.transcription, processor, {
    connection,
    prefix,
  });
  worker.on('error', () => undefined);
  cleanup.push(async () => {
    await worker.close();
    connection.disconnect();
  });
  return worker;
}

function listen(who: TokenPair): { socket: ClientSocket; events: ReturnType<typeof recordEvents> } {
  const socket = dial(t.url(), who.accessToken);
  cleanup.push(() => socket.disconnect());
  return {
    socket,
    events: recordEvents(socket, [
      'transcript.progress',
      'transcript.ready',
      'transcript.failed',
      'call.updated',
    ]),
  };
}

async function enqueue(
  queue: Queue<TranscriptionJob>,
  callId: string,
  recordingId: string,
  opts = {},
) {
  await queue.add(
    'transcribe',
    { recordingId, callId, channels: 2, durationMs: 5_000, languageHint: null },
    { jobId: recordingId, ...opts },
  );
}

const rowsFor = (recordingId: string) => t.models.Transcript.count({ where: { recordingId } });
const callOf = (callId: string) => t.models.Call.findByPk(callId);

async function reportProgress(job: Job<TranscriptionJob>, steps: TranscriptionProgress[]) {
  for (const p of steps) {
    await job.updateProgress(p);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Counts the completions of `recordingId` that `app`'s queue follower has finished handling. */
function handledCompletions(app: TestApp, recordingId: string): { count: number } {
  const events = app.transcriptionEvents as unknown as {
    onCompleted(jobId: string, value: unknown): Promise<void>;
  };
  const original = events.onCompleted.bind(events);
  const handled = { count: 0 };
  events.onCompleted = async (jobId, value) => {
    await original(jobId, value);
    if (jobId === recordingId) handled.count += 1;
  };
  return handled;
}

describe('transcription results reach the database and the sockets', () => {
  it('active → transcribing, progress relayed, completed → one transcript, call transcribed, transcript.ready', async () => {
    const a = listen(agent);
    const s = listen(supervisor);
    await Promise.all([connected(a.socket), connected(s.socket)]);
    const { callId, recordingId } = await seedCallWithRecording(t.models, agent.user.id);

    let sawTranscribing = false;
    startWorker(t.config.redisPrefix, async (job) => {
      await reportProgress(job, [
        { percent: 0, stage: 'fetching' },
        { percent: 10, stage: 'transcribing' },
        { percent: 60, stage: 'transcribing' },
      ]);
      sawTranscribing = (await callOf(callId))!.status === 'transcribing';
      await reportProgress(job, [{ percent: 100, stage: 'done' }]);
      return sampleResult();
    });
    await enqueue(t.queues.transcription, callId, recordingId);

    const ready = await eventually('transcript.ready for the agent', () =>
      a.events
        .of<{ callId: string; transcript: Transcript }>('transcript.ready')
        .find((e) => e.callId === callId),
    );
    expect(ready.transcript).toMatchObject({
      recordingId,
      status: 'draft',
      version: 1,
      model: 'test-model',
    });
    expect(ready.transcript.segments.map((x) => x.speaker)).toEqual(['agent', 'caller', 'agent']);
    await eventually('transcript.ready for the supervisor', () =>
      s.events.of('transcript.ready').some((e) => e.callId === callId),
    );
    expect(sawTranscribing).toBe(true);

    const percents = a.events
      .of<{ callId: string; percent: number; stage?: string }>('transcript.progress')
      .filter((e) => e.callId === callId);
    expect(percents.map((p) => p.percent)).toEqual([0, 10, 60, 100]);
    expect(percents[1]).toMatchObject({ recordingId, stage: 'transcribing' });
    expect(s.events.of('transcript.progress').filter((e) => e.callId === callId).length).toBe(4);

    expect(await rowsFor(recordingId)).toBe(1);
    expect((await callOf(callId))!.status).toBe('transcribed');
    const statuses = () =>
      a.events
        .of<{ id: string; status: string }>('call.updated')
        .filter((c) => c.id === callId)
        .map((c) => c.status);
    await eventually('call.updated transcribed', () => statuses().includes('transcribed'));
    expect(statuses()).toEqual(['transcribing', 'transcribed']);
    const api = CallTranscript.parse(
      (await t.http.get(`/api/calls/${callId}/transcript`).set(auth(agent))).body,
    );
    expect(api.transcript?.id).toBe(ready.transcript.id);
    const detail = CallDetail.parse(
      (await t.http.get(`/api/calls/${callId}`).set(auth(agent))).body,
    );
    expect(detail.transcript).toEqual(api.transcript);
    expect(detail.call).toMatchObject({ status: 'transcribed', failureReason: null });
  });

  it('stores one transcript however often the result is delivered (replays, reconciliation, a second replica)', async () => {
    const replica = await startTestApp({ REDIS_PREFIX: t.config.redisPrefix });
    cleanup.push(() => replica.close());
    await replica.transcriptionEvents.start();
    const a = listen(agent);
    await connected(a.socket);
    const { callId, recordingId } = await seedCallWithRecording(t.models, agent.user.id);

    const handled = [handledCompletions(t, recordingId), handledCompletions(replica, recordingId)];
    startWorker(t.config.redisPrefix, async () => sampleResult());
    await enqueue(t.queues.transcription, callId, recordingId);
    await eventually('the transcript', async () => (await rowsFor(recordingId)) === 1);

    // The same result again, through every path that can see it.
    const state = (await t.services.transcripts.recordingStates([recordingId])).get(recordingId)!;
    // As if read before the first insert committed: the unique recording id stops the second row.
    const stale = { ...state, hasTranscript: false, callStatus: 'transcribing' as const };
    expect(await t.services.transcripts.persistResult(stale, sampleResult())).toBe('duplicate');
    await t.transcriptionEvents.reconcile();
    await replica.transcriptionEvents.reconcile();
    await eventually('both replicas handling the completion', () =>
      handled.every((h) => h.count >= 1),
    );
    expect(await rowsFor(recordingId)).toBe(1);
    // Two replicas heard the completion; the one whose insert won announced it, once. A marker
    // sent through each replica after that arrives after any announcement it made.
    const marker = { callId: recordingId, recordingId: callId, percent: 0 };
    for (const app of [t, replica])
      app.io.to(rooms.user(agent.user.id)).emit('transcript.progress', marker);
    const markers = () =>
      a.events.of<typeof marker>('transcript.progress').filter((e) => e.callId === recordingId);
    await eventually('the markers', () => markers().length === 2);
    expect(a.events.of('transcript.ready').filter((e) => e.callId === callId)).toHaveLength(1);
  });

  it('marks the call failed, with a reason, when the worker returns an invalid result', async () => {
    const a = listen(agent);
    await connected(a.socket);
    const { callId, recordingId } = await seedCallWithRecording(t.models, agent.user.id);
    startWorker(t.config.redisPrefix, async () => ({
      language: 'fr',
      segments: [{ speaker: 'robot' }],
    }));
    await enqueue(t.queues.transcription, callId, recordingId);

    const failed = await eventually('transcript.failed', () =>
      a.events
        .of<{ callId: string; reason: string }>('transcript.failed')
        .find((e) => e.callId === callId),
    );
    expect(failed.reason).toMatch(/invalid result.*segments\.0\.speaker/);
    await eventually('call.updated failed', () =>
      a.events
        .of<{ id: string; status: string }>('call.updated')
        .some((c) => c.id === callId && c.status === 'failed'),
    );
    const api = CallTranscript.parse(
      (await t.http.get(`/api/calls/${callId}/transcript`).set(auth(agent))).body,
    );
    expect(api).toMatchObject({ callStatus: 'failed', transcript: null });
    expect(api.failureReason).toMatch(/invalid result/);
    expect(await rowsFor(recordingId)).toBe(0);
  });

  it("marks the call failed with the worker's reason once no attempt is left, not before", async () => {
    const { callId, recordingId } = await seedCallWithRecording(t.models, agent.user.id);
    const attempts: string[] = [];
    const retrying = startWorker(t.config.redisPrefix, async (job) => {
      await new Promise((r) => setTimeout(r, 100));
      attempts.push((await callOf(callId))!.status);
      throw new Error(`server answered 503 (attempt ${job.attemptsMade + 1})`);
    });
    await enqueue(t.queues.transcription, callId, recordingId, {
      attempts: 3,
      backoff: { type: 'fixed', delay: 50 },
    });

    const call = await eventually('the failed call', async () => {
      const c = await callOf(callId);
      return c?.status === 'failed' ? c : null;
    });
    // Between attempts the call was never reported failed.
    expect(attempts).toEqual(['transcribing', 'transcribing', 'transcribing']);
    expect(call.failureReason).toBe('server answered 503 (attempt 3)');
    await retrying.close();

    const unrecoverable = await seedCallWithRecording(t.models, agent.user.id);
    startWorker(t.config.redisPrefix, async () => {
      throw new UnrecoverableError('invalid_audio: not a RIFF/WAVE file');
    });
    await enqueue(t.queues.transcription, unrecoverable.callId, unrecoverable.recordingId, {
      attempts: 5,
    });
    await eventually(
      'the call failed at once',
      async () => (await callOf(unrecoverable.callId))?.status === 'failed',
    );
    const api = CallTranscript.parse(
      (await t.http.get(`/api/calls/${unrecoverable.callId}/transcript`).set(auth(supervisor)))
        .body,
    );
    expect(api.failureReason).toBe('invalid_audio: not a RIFF/WAVE file');
    const detail = CallDetail.parse(
      (await t.http.get(`/api/calls/${unrecoverable.callId}`).set(auth(agent))).body,
    );
    expect(detail.call).toMatchObject({
      status: 'failed',
      failureReason: 'invalid_audio: not a RIFF/WAVE file',
    });
    expect(detail.transcript).toBeNull();
  });
});

describe('reconciliation', () => {
  it('stores results and failures that happened while no server was running', async () => {
    // A queue of its own, so the running test app does not hear these jobs.
    const prefix = `${t.config.redisPrefix}-down`;
    const connection = bullConnection();
    const queue = new Queue<TranscriptionJob>(QUEUES.transcription, { connection, prefix });
    cleanup.push(async () => {
      await queue.close();
      connection.disconnect();
    });
    const done = await seedCallWithRecording(t.models, agent.user.id);
    const broken = await seedCallWithRecording(t.models, agent.user.id);
    const worker = startWorker(prefix, async (job) => {
      if (job.data.recordingId === broken.recordingId)
        throw new UnrecoverableError('recording_not_found: 404');
      return sampleResult();
    });
    await enqueue(queue, done.callId, done.recordingId);
    await enqueue(queue, broken.callId, broken.recordingId);
    await eventually('both jobs finished', async () => {
      const c = await queue.getJobCounts('completed', 'failed');
      return c.completed === 1 && c.failed === 1;
    });
    await worker.close();
    expect(await rowsFor(done.recordingId)).toBe(0);

    // The server starts: its first pass finds both.
    const later = await startTestApp({ REDIS_PREFIX: prefix });
    cleanup.push(() => later.close());
    await eventually(
      'the transcript stored at start',
      async () => (await rowsFor(done.recordingId)) === 1,
    );
    expect((await callOf(done.callId))!.status).toBe('transcribed');
    await eventually(
      'the failure recorded at start',
      async () => (await callOf(broken.callId))?.status === 'failed',
    );
    expect((await callOf(broken.callId))!.failureReason).toBe('recording_not_found: 404');

    // Later passes find nothing more to do.
    expect(await later.transcriptionEvents.reconcile()).toMatchObject({ persisted: 0, failed: 0 });
    expect(await rowsFor(done.recordingId)).toBe(1);
  });
});
