import type { TokenPair } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { eventually } from '@cwn/test-support/eventually';
import { deleteRedisPrefix } from '@cwn/test-support/services';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import { as, newCall, openLive, stopWorker, stream, twoSidedCall } from './live-kit';

jest.setTimeout(90_000);

/**
 * Window jobs that finish while no server follows the queue (every replica stopped, or its event
 * stream lost): the next server's reconciliation pass stores their segments and writes the
 * transcript, once. The window jobs are transcribed by the real worker (generated model).
 */
const PREFIX = `live-rec-${process.pid}-${Date.now().toString(36)}`;
const ENV = { REDIS_PREFIX: PREFIX, LIVE_VAD: 'energy' };
const { pcm: CALL } = twoSidedCall();

let t: TestApp;
let worker: InProcessWorker;
let agent: TokenPair;

beforeAll(async () => {
  t = await startTestApp(ENV);
  worker = await startInProcessWorker(t, 'live-reconcile');
  agent = await t.userWithRole('agent');
});
afterAll(async () => {
  await stopWorker(worker);
  await t.close();
  await deleteRedisPrefix(PREFIX);
});

it('window results finished while no server followed the queue are stored by the next one', async () => {
  // This server stops following the queue (it still serves the audio and the routes).
  await t.transcriptionEvents.close();
  const callId = await newCall(t, agent);
  const id = await openLive(t, agent, callId);
  await stream(t, agent, id, CALL);
  const closed = await t.http
    .post(`/api/live-recordings/${id}/close`)
    .set(as(agent))
    .send({ totalBytes: CALL.length });
  expect(closed.status).toBe(200);
  const repo = t.live.service['d'].repo;
  const windows = await repo.windowsOf({ kind: 'live', id });
  expect(windows.length).toBeGreaterThan(0);
  await eventually(
    'the worker done with every window',
    async () => {
      const states = await Promise.all(
        windows.map(async (w) =>
          t.queues.transcription.getJobState(`window-live-${id}-${w.channel}-${w.startSample}`),
        ),
      );
      return states.every((s) => s === 'completed');
    },
    30_000,
  );
  // Nobody stored them.
  expect((await repo.windowsOf({ kind: 'live', id })).every((w) => w.state === 'queued')).toBe(
    true,
  );

  const next = await startTestApp({ ...ENV, STORAGE_DIR: t.config.storageDir });
  try {
    const transcript = await eventually(
      'the transcript',
      async () =>
        (await next.http.get(`/api/calls/${callId}/transcript`).set(as(agent))).body.transcript,
      30_000,
    );
    const stored = await repo.windowsOf({ kind: 'live', id });
    expect(stored.every((w) => w.state === 'done')).toBe(true);
    // Each job's result stored once, exactly as the worker returned it, and the transcript is
    // their segments.
    for (const w of stored) {
      const job = await t.queues.transcription.getJob(
        `window-live-${id}-${w.channel}-${w.startSample}`,
      );
      expect(w.segments).toEqual(job!.returnvalue.segments);
    }
    const fromWindows = stored.flatMap((w) => w.segments ?? []);
    expect(fromWindows.length).toBeGreaterThan(0);
    expect(transcript.segments).toHaveLength(fromWindows.length);
    // A second pass finds nothing more to do.
    expect((await next.transcriptionEvents.reconcile()).windows).toBe(0);
  } finally {
    await next.close();
  }
});
