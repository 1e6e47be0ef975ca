import { CallTransitionError } from '../src/calls/lifecycle/transitions';
import type { CallMoved } from '../src/calls/lifecycle/call-lifecycle';
import { startTestApp, type TestApp } from '@cwn/test-support/app';

/** The lifecycle's writes against PostgreSQL: conditional on the status they leave, told after commit. */
let t: TestApp;
let agentId: string;
const moved: CallMoved[] = [];

beforeAll(async () => {
  t = await startTestApp();
  agentId = (await t.userWithRole('agent')).user.id;
  t.calls.lifecycle.onMoved((m) => moved.push(m));
});
afterAll(async () => {
  await t.close();
});

async function newCall() {
  return t.calls.lifecycle.create({
    id: crypto.randomUUID(),
    agentId,
    direction: 'inbound',
    remoteNumber: null,
    remoteName: null,
    pbxCallId: `pbx-lifecycle-${crypto.randomUUID()}`,
    startedAt: new Date(),
    answeredAt: null,
    endedAt: null,
    status: 'ringing',
  });
}

it('decides a move from the status in the database, not from a stale copy of the row', async () => {
  const call = await newCall();
  await t.calls.lifecycle.move(call, 'answered');
  const stale = await t.models.Call.findByPk(call.id);
  await t.calls.lifecycle.move(call, 'ended');
  // The stale copy still reads `connected`, where `held` would be accepted.
  expect(stale!.status).toBe('connected');
  await expect(t.calls.lifecycle.move(stale!, 'held')).rejects.toBeInstanceOf(CallTransitionError);
  expect((await t.models.Call.findByPk(call.id))!.status).toBe('ended');
  // A stale copy whose move is still allowed from where the call is now goes through from there.
  const older = await t.models.Call.findByPk(call.id);
  await t.calls.lifecycle.tryMove(call.id, 'failed', { failureReason: 'worker gone' });
  await t.calls.lifecycle.move(older!, 'ended', { changes: (c) => (c.remoteName = 'Late name') });
  expect(await t.models.Call.findByPk(call.id)).toMatchObject({
    status: 'failed',
    failureReason: 'worker gone',
    remoteName: 'Late name',
  });
});

it('moves conditionally (null when refused) and tells listeners only after the transaction commits', async () => {
  const call = await newCall();
  expect(await t.calls.lifecycle.tryMove(call.id, 'ticketed')).toBeNull();
  const before = moved.length;
  await t.sequelize
    .transaction(async (transaction) => {
      await t.calls.lifecycle.move(call, 'ended', { transaction });
      expect(moved.length).toBe(before);
      throw new Error('roll back');
    })
    .catch(() => undefined);
  expect(moved.length).toBe(before);
  expect((await t.models.Call.findByPk(call.id))!.status).toBe('ringing');
  await t.sequelize.transaction(async (transaction) => {
    await t.calls.lifecycle.move(
      await t.models.Call.findByPk(call.id, { transaction }).then((r) => r!),
      'ended',
      { transaction },
    );
    expect(moved.length).toBe(before);
  });
  expect(moved.slice(before).map((m) => [m.call.id, m.event, m.call.status])).toEqual([
    [call.id, 'ended', 'missed'],
  ]);
});
