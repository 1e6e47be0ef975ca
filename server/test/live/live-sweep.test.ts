import type { TokenPair } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { deleteRedisPrefix } from '@cwn/test-support/services';
import { as, newCall, openLive, stream, twoSidedCall } from './live-kit';

jest.setTimeout(60_000);

/**
 * The sweeper on a live call whose windows all failed (decision 1400, results): finalize marks the
 * call `failed`, and that outcome is terminal, so later passes never check the call again. No
 * worker here: the failures are delivered as the transcription events deliver BullMQ's final
 * failure of a window job (the real worker gives no failure on demand).
 */
const PREFIX = `live-sweep-${process.pid}-${Date.now().toString(36)}`;
const { pcm: CALL } = twoSidedCall();

let t: TestApp;
let agent: TokenPair;

beforeAll(async () => {
  t = await startTestApp({ REDIS_PREFIX: PREFIX, LIVE_VAD: 'energy' });
  agent = await t.userWithRole('agent');
});
afterAll(async () => {
  await t.close();
  await deleteRedisPrefix(PREFIX);
});

it('a call whose windows all failed is failed once, and the sweeper stops checking it', async () => {
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
  expect(windows.length).toBeGreaterThan(1);
  for (const w of windows)
    expect(
      await t.live.service.windowFailed({
        id: `window-live-${id}-${w.channel}-${w.startSample}`,
        failedReason: 'engine crashed',
      }),
    ).toBe(true);
  const call = await t.models.Call.findByPk(callId);
  expect(call!.status).toBe('failed');
  expect(call!.failureReason).toContain('engine crashed');
  expect(await t.models.Transcript.count({ where: { callId } })).toBe(0);

  // Two passes: neither finalizes the failed call again (before, each pass did).
  const finalize = jest.spyOn(t.live.service, 'finalize');
  try {
    await t.live.service.sweep();
    await t.live.service.sweep();
    expect(finalize.mock.calls.filter(([x]) => x === id)).toHaveLength(0);
  } finally {
    finalize.mockRestore();
  }
  expect((await t.models.Call.findByPk(callId))!.status).toBe('failed');
  expect(await t.models.Transcript.count({ where: { callId } })).toBe(0);
});
