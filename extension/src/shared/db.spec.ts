import 'fake-indexeddb/auto';
import { ChunkStore, StateStore, openCwnDb } from './db';

let n = 0;
const freshDb = () => openCwnDb(`chunk-spec-${process.pid}-${n++}`);
const bytes = (...v: number[]) => new Uint8Array(v).buffer;

describe('ChunkStore', () => {
  it('lists one recorder’s chunks in order, apart from other recorders and calls', async () => {
    const db = await freshDb();
    const store = new ChunkStore(db);
    // Out of order, and interleaved with another side and another call.
    await store.put({ pcId: 'pc-a', side: 'agent', seq: 2, at: 3, data: bytes(3) });
    await store.put({ pcId: 'pc-a', side: 'caller', seq: 0, at: 1, data: bytes(9) });
    await store.put({ pcId: 'pc-a', side: 'agent', seq: 0, at: 1, data: bytes(1) });
    await store.put({ pcId: 'pc-b', side: 'agent', seq: 0, at: 1, data: bytes(7) });
    await store.put({ pcId: 'pc-a', side: 'agent', seq: 10, at: 11, data: bytes(11) });
    await store.put({ pcId: 'pc-a', side: 'agent', seq: 1, at: 2, data: bytes(2) });
    const agent = await store.list('pc-a', 'agent');
    expect(agent.map((c) => c.seq)).toEqual([0, 1, 2, 10]);
    expect(agent.map((c) => new Uint8Array(c.data)[0])).toEqual([1, 2, 3, 11]);
    expect(await store.count('pc-a', 'caller')).toBe(1);
    db.close();
  });

  it('stores a resent chunk once and survives reopening the database', async () => {
    const name = `chunk-spec-${process.pid}-reopen`;
    const db = await openCwnDb(name);
    const store = new ChunkStore(db);
    await store.put({ pcId: 'pc-a', side: 'agent', seq: 0, at: 1, data: bytes(1) });
    await store.put({ pcId: 'pc-a', side: 'agent', seq: 0, at: 1, data: bytes(1) });
    db.close();
    const again = new ChunkStore(await openCwnDb(name));
    expect(await again.count('pc-a', 'agent')).toBe(1);
  });

  it('deletes every chunk of a peer connection and nothing else', async () => {
    const db = await freshDb();
    const store = new ChunkStore(db);
    for (const side of ['agent', 'caller'] as const) {
      for (let seq = 0; seq < 3; seq++)
        await store.put({ pcId: 'pc-a', side, seq, at: seq, data: bytes(seq) });
    }
    await store.put({ pcId: 'pc-b', side: 'agent', seq: 0, at: 0, data: bytes(0) });
    await store.deletePc('pc-a');
    expect(await store.count('pc-a', 'agent')).toBe(0);
    expect(await store.count('pc-a', 'caller')).toBe(0);
    expect(await store.count('pc-b', 'agent')).toBe(1);
  });
});

describe('StateStore', () => {
  it('saves and loads the tracker state', async () => {
    const state = new StateStore(await freshDb());
    expect(await state.load()).toBeUndefined();
    await state.save({ calls: [] });
    expect(await state.load()).toEqual({ calls: [] });
  });
});
