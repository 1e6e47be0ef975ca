import type { PbxConnection } from '../shared/messages';
import { ConnectionAction as A, ConnectionState as S } from '../shared/myphone';
import { CallTracker, FINISH_GRACE_MS } from './call-tracker';

const TAB = 7;
function conn(
  connectionId: number,
  action: number,
  state: number | null,
  extra: Partial<PbxConnection> = {},
): PbxConnection {
  return {
    action,
    connectionId,
    callId: connectionId + 100,
    state,
    otherPartyName: `Name ${connectionId}`,
    otherPartyCallerId: `+4930${connectionId}`,
    isIncoming: true,
    otherPartyDn: null,
    ...extra,
  };
}

/** Drives one answered call's media: pc, both recorders, n chunks each. */
function media(t: CallTracker, pcId: string, at: number, chunks = 3): void {
  t.onPcCreated(TAB, pcId, at);
  t.onPcState(pcId, 'connected', at + 10);
  t.onRecorderStarted(pcId, 'agent', at + 10);
  t.onRecorderStarted(pcId, 'caller', at + 12);
  for (let i = 0; i < chunks; i++) {
    for (const side of ['agent', 'caller'] as const) {
      expect(t.acceptsChunk(pcId, side)).toBe(true);
      t.onChunkStored(pcId, side, i);
    }
  }
}
function stopMedia(t: CallTracker, pcId: string, at: number, chunks = 3): void {
  t.onPcState(pcId, 'closed', at);
  t.onRecorderStopped(pcId, 'agent', chunks, at);
  t.onRecorderStopped(pcId, 'caller', chunks, at);
}

describe('CallTracker', () => {
  it('follows one inbound call: ringing → connected → held → connected → ended, with its metadata', () => {
    const t = new CallTracker();
    t.onPbx(TAB, [conn(1, A.Inserted, S.Ringing)], 1000);
    expect(t.active()).toMatchObject([
      { key: `${TAB}:1`, status: 'ringing', remoteNumber: '+49301', pbxCallId: '101' },
    ]);
    media(t, 'pc-aaaaaaaa', 2000);
    t.onPbx(TAB, [conn(1, A.Updated, S.Connected)], 2020);
    expect(t.get(`${TAB}:1`)).toMatchObject({
      status: 'connected',
      answeredAt: 2010,
      pcIds: ['pc-aaaaaaaa'],
    });
    expect(t.isRecording()).toBe(true);
    t.onHold('pc-aaaaaaaa', true, 3000);
    t.onPbx(TAB, [conn(1, A.Updated, S.Connected)], 3001);
    expect(t.get(`${TAB}:1`)!.status).toBe('held');
    t.onHold('pc-aaaaaaaa', false, 4000);
    expect(t.get(`${TAB}:1`)).toMatchObject({
      status: 'connected',
      holds: [{ from: 3000, to: 4000 }],
    });

    stopMedia(t, 'pc-aaaaaaaa', 5000);
    expect(t.takeFinished(5000)).toEqual([]); // the PBX has not ended it yet
    t.onPbx(TAB, [conn(1, A.Deleted, null)], 5100);
    const [done] = t.takeFinished(5100);
    expect(done).toMatchObject({
      status: 'ended',
      endedAt: 5100,
      direction: 'inbound',
      remoteName: 'Name 1',
    });
    expect(t.all()).toHaveLength(0);
  });

  it('waits for the last chunks after the hang-up, then gives up after the grace period', () => {
    const t = new CallTracker();
    t.onPbx(TAB, [conn(1, A.Inserted, S.Ringing)], 0);
    media(t, 'pc-bbbbbbbb', 100, 2);
    t.onPbx(TAB, [conn(1, A.Deleted, null)], 1000);
    t.onRecorderStopped('pc-bbbbbbbb', 'agent', 3, 1000);
    t.onRecorderStopped('pc-bbbbbbbb', 'caller', 2, 1000);
    expect(t.takeFinished(1001)).toEqual([]); // agent chunk #2 is still on its way
    t.onChunkStored('pc-bbbbbbbb', 'agent', 2);
    expect(t.takeFinished(1002)).toHaveLength(1);

    const u = new CallTracker();
    u.onPbx(TAB, [conn(2, A.Inserted, S.Ringing)], 0);
    media(u, 'pc-cccccccc', 100);
    u.onPbx(TAB, [conn(2, A.Deleted, null)], 1000);
    expect(u.takeFinished(1000 + FINISH_GRACE_MS - 1)).toEqual([]);
    expect(u.takeFinished(1000 + FINISH_GRACE_MS)).toHaveLength(1);
  });

  it('keeps simultaneous calls apart: the second call gets the new peer connection', () => {
    const t = new CallTracker();
    t.onPbx(TAB, [conn(1, A.Inserted, S.Ringing)], 0);
    media(t, 'pc-11111111', 10);
    t.onPbx(TAB, [conn(1, A.Updated, S.Connected)], 20);
    t.onHold('pc-11111111', true, 30);
    t.onPbx(TAB, [conn(2, A.Inserted, S.Ringing, { otherPartyCallerId: '+33 1 23' })], 40);
    media(t, 'pc-22222222', 50);
    t.onPbx(TAB, [conn(2, A.Updated, S.Connected, { otherPartyCallerId: '+33 1 23' })], 60);
    expect(t.get(`${TAB}:1`)!.pcIds).toEqual(['pc-11111111']);
    expect(t.get(`${TAB}:2`)).toMatchObject({
      pcIds: ['pc-22222222'],
      remoteNumber: '+33 1 23',
      status: 'connected',
    });
    expect(t.get(`${TAB}:1`)!.status).toBe('held');
  });

  it('handles an attended transfer: consult call, then both legs end as separate calls', () => {
    const t = new CallTracker();
    t.onPbx(TAB, [conn(1, A.Inserted, S.Ringing)], 0);
    media(t, 'pc-11111111', 10);
    t.onPbx(TAB, [conn(1, A.Updated, S.Connected)], 20);
    t.onHold('pc-11111111', true, 100);
    // The agent dials the colleague: an outgoing connection with its own peer connection.
    t.onPbx(
      TAB,
      [conn(2, A.Inserted, S.Dialing, { isIncoming: false, otherPartyCallerId: '102' })],
      110,
    );
    media(t, 'pc-22222222', 120);
    t.onPbx(TAB, [conn(2, A.Updated, S.Connected, { isIncoming: false })], 130);
    // Transfer completes: the PBX removes both of the agent's connections.
    stopMedia(t, 'pc-11111111', 200);
    stopMedia(t, 'pc-22222222', 200);
    t.onPbx(TAB, [conn(1, A.Deleted, null), conn(2, A.Deleted, null)], 210);
    const done = t.takeFinished(210);
    expect(done.map((c) => [c.key, c.direction, c.pcIds])).toEqual([
      [`${TAB}:1`, 'inbound', ['pc-11111111']],
      [`${TAB}:2`, 'outbound', ['pc-22222222']],
    ]);
    expect(done[0]!.holds).toEqual([{ from: 100, to: 210 }]);
  });

  it('tracks a call seen only through WebRTC and adopts PBX metadata that arrives later', () => {
    const t = new CallTracker();
    media(t, 'pc-99999999', 0);
    expect(t.active()).toMatchObject([{ key: `${TAB}:pc:pc-99999999`, connectionId: null }]);
    t.onPbx(TAB, [conn(5, A.Updated, S.Connected)], 50);
    expect(t.active()).toMatchObject([{ key: `${TAB}:5`, remoteNumber: '+49305' }]);

    const u = new CallTracker();
    media(u, 'pc-88888888', 0);
    stopMedia(u, 'pc-88888888', 500);
    expect(u.takeFinished(500)).toMatchObject([{ status: 'ended', endedAt: 500 }]);
  });

  it('drops chunks of a "don\'t record" call and of unknown recorders; a missed call has no recorders', () => {
    const t = new CallTracker();
    t.onPbx(TAB, [conn(1, A.Inserted, S.Ringing)], 0);
    media(t, 'pc-11111111', 10);
    t.setDoNotRecord(`${TAB}:1`, true);
    expect(t.acceptsChunk('pc-11111111', 'agent')).toBe(false);
    expect(t.acceptsChunk('pc-unknown00', 'agent')).toBe(false);
    expect(t.isRecording()).toBe(false);

    t.onPbx(TAB, [conn(2, A.Inserted, S.Ringing)], 0);
    t.onPbx(TAB, [conn(2, A.Deleted, null)], 5);
    expect(t.takeFinished(5)).toMatchObject([{ key: `${TAB}:2`, recorders: [], answeredAt: null }]);
  });

  it('survives a snapshot round trip (service worker restart) and ends everything after a browser restart', () => {
    const t = new CallTracker();
    t.onPbx(TAB, [conn(1, A.Inserted, S.Ringing)], 0);
    media(t, 'pc-11111111', 10);
    const restored = new CallTracker(JSON.parse(JSON.stringify(t.snapshot())));
    expect(restored.get(`${TAB}:1`)).toEqual(t.get(`${TAB}:1`));
    restored.onChunkStored('pc-11111111', 'agent', 3);
    expect(restored.get(`${TAB}:1`)!.recorders[0]!.storedChunks).toBe(4);
    restored.endAll(99);
    expect(restored.takeFinished(99 + FINISH_GRACE_MS)).toMatchObject([
      { status: 'ended', endedAt: 99 },
    ]);
  });

  it('keeps a replaced microphone (new segment) with its call until both segments are done', () => {
    const t = new CallTracker();
    t.onPbx(TAB, [conn(1, A.Inserted, S.Ringing)], 0);
    media(t, 'pc-11111111', 10, 2);
    t.onRecorderStopped('pc-11111111', 'agent', 2, 3000);
    t.onPcSegment('pc-11111111', 'pc-11111111-s1');
    t.onPcSegment('pc-unknown00', 'pc-unknown00-s1'); // ignored
    t.onRecorderStarted('pc-11111111-s1', 'agent', 3001);
    t.onChunkStored('pc-11111111-s1', 'agent', 0);
    expect(t.get(`${TAB}:1`)!.pcIds).toEqual(['pc-11111111', 'pc-11111111-s1']);
    expect(t.get(`${TAB}:1`)!.recorders.map((r) => `${r.pcId}/${r.side}`)).toEqual([
      'pc-11111111/agent',
      'pc-11111111/caller',
      'pc-11111111-s1/agent',
    ]);
    t.onPbx(TAB, [conn(1, A.Deleted, null)], 5000);
    t.onRecorderStopped('pc-11111111', 'caller', 2, 5000);
    expect(t.takeFinished(5001)).toEqual([]); // the new segment has not stopped yet
    t.onRecorderStopped('pc-11111111-s1', 'agent', 1, 5000);
    expect(t.takeFinished(5002)).toHaveLength(1);
  });
});

describe('caller details from the call view (no push frames)', () => {
  const ada = {
    remoteName: 'Ada Lovelace',
    remoteNumber: '+49 30 1234567',
    direction: 'outbound' as const,
  };

  it('gives a call known only through WebRTC the number, name and direction the page shows', () => {
    const t = new CallTracker();
    t.onDomCalls(TAB, [ada]); // the call view shows the call before the peer connection exists
    t.onPcCreated(TAB, 'pc-dom-0001', 1000);
    expect(t.active()[0]).toMatchObject({
      remoteName: 'Ada Lovelace',
      remoteNumber: '+49 30 1234567',
      direction: 'outbound',
    });
    // A reading that comes after the peer connection fills it too, and survives a restart.
    const late = new CallTracker();
    late.onPcCreated(TAB, 'pc-dom-0002', 1000);
    expect(late.active()[0]).toMatchObject({ remoteNumber: null, direction: 'inbound' });
    late.onDomCalls(TAB, [{ ...ada, direction: null }]);
    expect(new CallTracker(late.snapshot()).active()[0]).toMatchObject({
      remoteNumber: '+49 30 1234567',
      direction: 'inbound',
    });
  });

  it('leaves calls the push frames describe alone, and gives two calls two different entries', () => {
    const t = new CallTracker();
    t.onPbx(TAB, [conn(1, A.Inserted, S.Ringing)], 1000);
    t.onDomCalls(TAB, [ada]);
    expect(t.active()[0]).toMatchObject({ remoteNumber: '+49301', remoteName: 'Name 1' });

    const two = new CallTracker();
    const grace = { remoteName: 'Grace Hopper', remoteNumber: '+1 555 0100', direction: null };
    two.onPcCreated(TAB, 'pc-dom-0003', 1000);
    two.onPcCreated(TAB, 'pc-dom-0004', 2000);
    two.onDomCalls(TAB, [ada, grace]);
    expect(two.active().map((c) => c.remoteName)).toEqual(['Ada Lovelace', 'Grace Hopper']);

    // An ended call still shown in the view is not given to the next one.
    const next = new CallTracker();
    next.onDomCalls(TAB, [ada]);
    next.onPcCreated(TAB, 'pc-dom-0005', 1000);
    next.onPcState('pc-dom-0005', 'closed', 2000);
    next.onDomCalls(TAB, [ada, grace]);
    next.onPcCreated(TAB, 'pc-dom-0006', 3000);
    expect(next.active()[0]).toMatchObject({
      remoteName: 'Grace Hopper',
      remoteNumber: '+1 555 0100',
    });
  });
});
