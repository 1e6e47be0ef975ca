import 'fake-indexeddb/auto';
import { LiveStore, openCwnDb, type Db } from '../shared/db';
import type { LiveProduceRequest, LiveProduceResult } from '../shared/messages';
import type { TrackedCall } from './call-tracker';
import { LiveHttpError, LiveStreamer, type AppendOutcome, type LiveApi } from './live-streamer';

let n = 0;

/** A server holding one live recording's bytes, with the protocol's answers. */
class FakeServer implements LiveApi {
  held: number[] = [];
  opened = 0;
  closedAt: number | null = null;
  /** The next calls fail as the network would; `lostAnswer` applies the append, then fails. */
  failNext: ('network' | 'lostAnswer')[] = [];
  unsupported = false;
  discarded: string[] = [];
  /** The next discards fail as the network would. */
  failDiscards = 0;

  async open(): Promise<{ id: string; offset: number } | 'unsupported'> {
    if (this.unsupported) return 'unsupported';
    this.opened++;
    return { id: 'live-1', offset: this.held.length };
  }

  async append(_id: string, offset: number, data: ArrayBuffer): Promise<AppendOutcome> {
    const fail = this.failNext.shift();
    if (fail === 'network') throw new LiveHttpError('server unreachable: cut', true);
    const bytes = [...new Uint8Array(data)];
    let result: AppendOutcome;
    if (offset > this.held.length) result = { kind: 'mismatch', expectedOffset: this.held.length };
    else if (offset + bytes.length <= this.held.length) {
      const same = bytes.every((b, i) => this.held[offset + i] === b);
      result = same
        ? { kind: 'ok', offset: this.held.length }
        : { kind: 'mismatch', expectedOffset: this.held.length };
    } else if (offset < this.held.length) {
      result = { kind: 'mismatch', expectedOffset: this.held.length };
    } else {
      this.held.push(...bytes);
      result = { kind: 'ok', offset: this.held.length };
    }
    if (fail === 'lostAnswer') throw new LiveHttpError('server unreachable: reset', true);
    return result;
  }

  async close(_id: string, totalBytes: number): Promise<{ recordingId: string | null }> {
    if (totalBytes !== this.held.length) throw new LiveHttpError('close: mismatch', true);
    this.closedAt = totalBytes;
    return { recordingId: 'rec-1' };
  }

  async discard(id: string): Promise<void> {
    if (this.failDiscards > 0) {
      this.failDiscards--;
      throw new LiveHttpError('server unreachable: cut', true);
    }
    this.discarded.push(id);
    this.held = [];
  }
}

/** The PCM of the whole call: byte i is i mod 251 (so any misplaced byte shows). */
const pcm = (from: number, to: number) =>
  Uint8Array.from({ length: to - from }, (_, i) => (from + i) % 251);

function setup(server: FakeServer) {
  let db!: Db;
  const call = {
    key: '1:7',
    status: 'connected',
    doNotRecord: false,
    endedAt: null,
    recorders: [
      { pcId: 'pc-aaaaaaaa', side: 'agent', startedAt: 0, stoppedAt: null },
      { pcId: 'pc-aaaaaaaa', side: 'caller', startedAt: 0, stoppedAt: null },
    ],
  } as unknown as TrackedCall;
  let available = 0; // bytes the offscreen document can produce
  let finishing: TrackedCall[] = [];
  const events: string[] = [];
  const produce = async (
    req: Omit<LiveProduceRequest, 'target' | 'type'>,
  ): Promise<LiveProduceResult> => {
    const store = new LiveStore(db);
    const final = req.finalDurationMs !== null;
    const s = await store.update(
      req.callKey,
      (st) => ({ ...st, t0: 0, produced: Math.max(st.produced, available), final }),
      (st) =>
        available > st.produced
          ? [
              {
                callKey: req.callKey,
                offset: st.produced,
                data: pcm(st.produced, available).buffer,
              },
            ]
          : [],
    );
    return { ok: true, produced: s!.produced, final };
  };
  const make = async () => {
    db = await openCwnDb(`live-spec-${process.pid}-${n++}`);
    return new LiveStreamer({
      db,
      api: server,
      produce,
      activeCalls: () => (finishing.length ? [] : [call]),
      finishingCalls: async () => finishing,
      serverCallId: async () => 'call-1',
      closed: async (_c, _s, recordingId) => void events.push(`closed ${recordingId}`),
      fallBack: async (_c, reason) => void events.push(`fallback ${reason}`),
      enabled: async () => true,
    });
  };
  return {
    make,
    call,
    events,
    produceUpTo: (bytes: number) => (available = bytes),
    hangUp: () => (finishing = [{ ...call, status: 'ended', endedAt: 20_000 } as TrackedCall]),
  };
}

describe('LiveStreamer', () => {
  it('appends each batch at the server offset and closes with the whole length at hang-up', async () => {
    const server = new FakeServer();
    const t = setup(server);
    const live = await t.make();
    t.produceUpTo(64_000);
    await live.pass();
    t.produceUpTo(128_000);
    await live.pass();
    expect(server.held.length).toBe(128_000);
    t.produceUpTo(130_000);
    t.hangUp();
    await live.pass();
    expect(server.closedAt).toBe(130_000);
    expect(server.held).toEqual([...pcm(0, 130_000)]);
    expect(t.events).toEqual(['closed rec-1']);
    // Nothing is kept once the server holds it.
    expect(await live.store.piecesFrom(t.call.key, 0)).toEqual([]);
  });

  it('keeps the audio through a network cut and resends from where the server stands', async () => {
    const server = new FakeServer();
    const t = setup(server);
    let clock = 1_000;
    const live = await t.make();
    (live as unknown as { now: () => number }).now = () => clock;
    t.produceUpTo(40_000);
    await live.pass();
    server.failNext = ['network'];
    t.produceUpTo(80_000);
    await live.pass();
    let state = await live.store.get(t.call.key);
    expect(state).toMatchObject({ sent: 40_000, produced: 80_000 });
    expect(state!.lastError).toMatch(/unreachable/);
    // The answer to the resend is lost although the server stored it: the next resend is a duplicate.
    clock += 5_000;
    server.failNext = ['lostAnswer'];
    await live.pass();
    expect(server.held.length).toBe(80_000);
    expect((await live.store.get(t.call.key))!.sent).toBe(40_000);
    clock += 5_000;
    t.produceUpTo(90_000);
    await live.pass();
    state = await live.store.get(t.call.key);
    expect(state).toMatchObject({ sent: 90_000, lastError: null });
    expect(server.held).toEqual([...pcm(0, 90_000)]);
  });

  it('leaves the call to the whole-call upload when the server has no live support', async () => {
    const server = new FakeServer();
    server.unsupported = true;
    const t = setup(server);
    const live = await t.make();
    t.produceUpTo(40_000);
    await live.pass();
    expect((await live.store.get(t.call.key))!.state).toBe('fallback');
    expect(server.held).toEqual([]);
  });

  it('falls back when the server asks for audio no longer held here', async () => {
    const server = new FakeServer();
    const t = setup(server);
    const live = await t.make();
    t.produceUpTo(40_000);
    await live.pass();
    server.held.length = 10_000; // the server lost acknowledged audio
    t.produceUpTo(80_000);
    await live.pass();
    expect((await live.store.get(t.call.key))!.state).toBe('fallback');
    expect(t.events[0]).toMatch(/fallback the live stream lost audio at 10000/);
  });

  it('"don\'t record" mid-call deletes the pieces at once and what the server holds on the next pass', async () => {
    const server = new FakeServer();
    const t = setup(server);
    const live = await t.make();
    t.produceUpTo(40_000);
    await live.pass();
    t.produceUpTo(80_000);
    await live.pass();
    expect(server.held.length).toBe(80_000);
    (t.call as { doNotRecord: boolean }).doNotRecord = true;
    await live.discard(t.call.key);
    expect(await live.store.piecesFrom(t.call.key, 0)).toEqual([]);
    expect((await live.store.get(t.call.key))!.state).toBe('discard');
    await live.pass();
    expect(server.discarded).toEqual(['live-1']);
    expect(await live.store.get(t.call.key)).toBeUndefined();
    t.produceUpTo(120_000);
    await live.pass();
    expect(server.held).toEqual([]);
  });

  it('keeps trying to discard while the server cannot be reached', async () => {
    const server = new FakeServer();
    const t = setup(server);
    let clock = 1_000;
    const live = await t.make();
    (live as unknown as { now: () => number }).now = () => clock;
    t.produceUpTo(40_000);
    await live.pass();
    (t.call as { doNotRecord: boolean }).doNotRecord = true;
    server.failDiscards = 1;
    await live.discard(t.call.key);
    await live.pass();
    expect(await live.store.get(t.call.key)).toMatchObject({
      state: 'discard',
      lastError: expect.stringMatching(/unreachable/),
    });
    expect(server.discarded).toEqual([]);
    clock += 5_000;
    await live.pass();
    expect(server.discarded).toEqual(['live-1']);
    expect(await live.store.get(t.call.key)).toBeUndefined();
  });

  it('a call not opened on the server yet is simply forgotten', async () => {
    const server = new FakeServer();
    const t = setup(server);
    const live = await t.make();
    await live.store.put({ ...(await newState(t.call.key)) });
    (t.call as { doNotRecord: boolean }).doNotRecord = true;
    await live.discard(t.call.key);
    await live.pass();
    expect(server.opened).toBe(0);
    expect(server.discarded).toEqual([]);
    expect(await live.store.get(t.call.key)).toBeUndefined();
  });
});

async function newState(key: string) {
  const { newLiveState } = await import('./live-streamer');
  return newLiveState(key, 0);
}
