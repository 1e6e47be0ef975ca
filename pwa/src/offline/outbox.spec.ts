import 'fake-indexeddb/auto';
import type { Segment, Transcript } from '@cwn/protocol';
import { ApiError, NetworkError } from '../api/errors';
import { openPwaDb } from './db';
import { Outbox, type OutboxTransport } from './outbox';
import type { OutboxEntry } from './outbox-entry';

const ID = '11111111-1111-4111-8111-111111111111';
const seg = (text: string): Segment => ({ speaker: 'agent', startMs: 0, endMs: 1000, text });

function transcript(
  version: number,
  text: string,
  status: Transcript['status'] = 'draft',
): Transcript {
  return {
    id: ID,
    callId: '22222222-2222-4222-8222-222222222222',
    recordingId: '33333333-3333-4333-8333-333333333333',
    language: 'fr',
    segments: [seg(text)],
    model: 'tiny',
    engine: 'whisper.cpp',
    timings: { fetchMs: 1, decodeMs: 1, transcribeMs: 1, totalMs: 3 },
    status,
    version,
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:00.000Z',
    validatedAt: null,
    validatedBy: null,
  };
}

/**
 * The server's side of the contract, kept in memory: versions, 409 on a stale version, and the
 * Idempotency-Key replay (the same key gets the first answer again, nothing applied twice).
 */
class ServerSide implements OutboxTransport {
  current_ = transcript(1, 'hello');
  applied: OutboxEntry[] = [];
  requests: OutboxEntry[] = [];
  offline = false;
  /** A server before Idempotency-Key on transcripts: a replay then meets a 409. */
  honoursIdempotencyKeys = true;
  /** The first attempt of this key is still running on the server: 409 idempotency_in_progress. */
  inProgressKeys = new Set<string>();
  /** Apply the change but lose the answer (connection dropped after the server committed). */
  loseNextAnswer = false;
  private replies = new Map<string, Transcript>();
  private inFlight = 0;
  maxInFlight = 0;

  async send(entry: OutboxEntry): Promise<Transcript> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 5));
      if (this.offline) throw new NetworkError(new TypeError('Failed to fetch'));
      this.requests.push(entry);
      if (this.inProgressKeys.has(entry.idempotencyKey)) {
        throw new ApiError(
          409,
          'idempotency_in_progress',
          'a request with this Idempotency-Key is still being processed',
        );
      }
      const replay = this.honoursIdempotencyKeys
        ? this.replies.get(entry.idempotencyKey)
        : undefined;
      if (replay) return replay;
      if (entry.baseVersion !== this.current_.version)
        throw new ApiError(409, 'conflict', 'stale version');
      this.applied.push(entry);
      const op = entry.operation;
      this.current_ =
        op.kind === 'edit'
          ? { ...this.current_, version: this.current_.version + 1, segments: op.segments }
          : { ...this.current_, status: 'validated' };
      this.replies.set(entry.idempotencyKey, this.current_);
      if (this.loseNextAnswer) {
        this.loseNextAnswer = false;
        throw new NetworkError(new TypeError('connection reset'));
      }
      return this.current_;
    } finally {
      this.inFlight -= 1;
    }
  }

  async current(): Promise<Transcript> {
    return this.current_;
  }
}

let dbCounter = 0;
async function setup() {
  const db = await openPwaDb(`outbox-test-${++dbCounter}`);
  const server = new ServerSide();
  let key = 0;
  const outbox = new Outbox(db, server, () => `key-${++key}`);
  return { db, server, outbox };
}

describe('Outbox', () => {
  it('sends edits made offline once back online, in order, each applied exactly once', async () => {
    const { server, outbox } = await setup();
    server.offline = true;
    await outbox.enqueue(ID, 1, { kind: 'edit', segments: [seg('first fix')] });
    await outbox.enqueue(ID, 1, { kind: 'edit', segments: [seg('second fix')] });
    await outbox.enqueue(ID, 1, { kind: 'validate' });

    const offlineReport = await outbox.flush();
    expect(offlineReport).toEqual({ sent: [], conflicts: [], interrupted: true });
    expect(await outbox.pendingCount()).toBe(3);

    server.offline = false;
    // Two triggers at once (the "online" event and a timer): one flush, no double send.
    const [a, b] = await Promise.all([outbox.flush(), outbox.flush()]);
    expect(a).toBe(b);
    expect(a.sent.map((t) => t.version)).toEqual([2, 3, 3]);
    expect(server.applied.map((e) => e.operation.kind)).toEqual(['edit', 'edit', 'validate']);
    expect(server.current_).toMatchObject({
      version: 3,
      status: 'validated',
      segments: [seg('second fix')],
    });
    expect(server.maxInFlight).toBe(1);
    expect(await outbox.pendingCount()).toBe(0);

    await outbox.flush();
    expect(server.applied).toHaveLength(3);
  });

  it('an entry queued while a flush is sending is sent by that same flush (a caller who joined it waits for it)', async () => {
    const { server, outbox } = await setup();
    await outbox.enqueue(ID, 1, { kind: 'edit', segments: [seg('fixed')] });
    const first = outbox.flush(); // the edit is on its way (the server answers after a few ms)
    await outbox.enqueue(ID, 1, { kind: 'validate' });
    const joined = outbox.flush(); // the validation's own trigger joins the running flush
    expect(joined).toBe(first);
    const report = await joined;
    expect(report.sent.map((t) => [t.version, t.status])).toEqual([
      [2, 'draft'],
      [2, 'validated'],
    ]);
    expect(server.applied.map((e) => e.operation.kind)).toEqual(['edit', 'validate']);
    expect(await outbox.pendingCount()).toBe(0);
  });

  it("a change made while the screen still shows the version before our own last edit builds on that edit's version", async () => {
    const { server, outbox } = await setup();
    await outbox.enqueue(ID, 1, { kind: 'edit', segments: [seg('fixed')] });
    await outbox.flush(); // version 2 on the server; the screen has not applied the answer yet
    await outbox.enqueue(ID, 1, { kind: 'validate' });
    const report = await outbox.flush();
    expect(report.conflicts).toEqual([]);
    expect(server.current_).toMatchObject({ version: 2, status: 'validated' });
    // Someone else's change is still a conflict: only our own versions are built on.
    server.current_ = { ...server.current_, version: 3, status: 'draft' };
    await outbox.enqueue(ID, 2, { kind: 'edit', segments: [seg('late')] });
    expect((await outbox.flush()).conflicts).toHaveLength(1);
  });

  it('a retry after a lost answer reuses the Idempotency-Key, so the server applies it once', async () => {
    const { server, outbox } = await setup();
    await outbox.enqueue(ID, 1, { kind: 'edit', segments: [seg('fixed')] });
    server.loseNextAnswer = true;

    expect((await outbox.flush()).interrupted).toBe(true);
    expect(await outbox.pendingCount()).toBe(1);

    const report = await outbox.flush();
    expect(report.sent.map((t) => t.version)).toEqual([2]);
    expect(server.requests.map((e) => e.idempotencyKey)).toEqual(['key-1', 'key-1']);
    expect(server.applied).toHaveLength(1);
    expect(await outbox.pendingCount()).toBe(0);
  });

  it('a retry that meets its own first attempt still running (409 idempotency_in_progress) waits for the next flush', async () => {
    const { server, outbox } = await setup();
    await outbox.enqueue(ID, 1, { kind: 'edit', segments: [seg('fixed')] });
    await outbox.enqueue(ID, 1, { kind: 'validate' });
    server.inProgressKeys.add('key-1');

    const busy = await outbox.flush();
    expect(busy).toEqual({ sent: [], conflicts: [], interrupted: true });
    expect((await outbox.entries()).map((e) => e.state)).toEqual(['pending', 'pending']);
    expect(server.requests.map((e) => e.idempotencyKey)).toEqual(['key-1']);

    server.inProgressKeys.clear();
    const report = await outbox.flush();
    expect(report.sent.map((t) => t.version)).toEqual([2, 2]);
    expect(report.conflicts).toEqual([]);
    expect(server.applied.map((e) => e.idempotencyKey)).toEqual(['key-1', 'key-2']);
  });

  it('a retry after a lost answer, on a server without idempotency keys, is recognised as already applied', async () => {
    const { server, outbox } = await setup();
    server.honoursIdempotencyKeys = false;
    await outbox.enqueue(ID, 1, { kind: 'edit', segments: [seg('fixed')] });
    await outbox.enqueue(ID, 1, { kind: 'validate' });
    server.loseNextAnswer = true;
    expect((await outbox.flush()).interrupted).toBe(true);

    const report = await outbox.flush();
    expect(report.conflicts).toEqual([]);
    expect(report.sent.map((t) => [t.version, t.status])).toEqual([
      [2, 'draft'],
      [2, 'validated'],
    ]);
    expect(server.applied.map((e) => e.operation.kind)).toEqual(['edit', 'validate']);
    expect(await outbox.pendingCount()).toBe(0);
  });

  it('409: parks the change with the server version, holds later ones, and lets the manager choose', async () => {
    const { server, outbox } = await setup();
    server.current_ = transcript(5, 'someone else fixed it');
    const edit = await outbox.enqueue(ID, 4, { kind: 'edit', segments: [seg('my fix')] });
    await outbox.enqueue(ID, 4, { kind: 'validate' });

    const report = await outbox.flush();
    expect(report.sent).toEqual([]);
    expect(report.conflicts).toHaveLength(1);
    expect(report.conflicts[0]).toMatchObject({
      seq: edit.seq,
      state: 'conflict',
      conflict: { version: 5 },
    });
    expect(server.applied).toEqual([]);
    // The validation behind the conflicting edit waits: validating an unknown text would be wrong.
    expect(server.requests).toHaveLength(1);

    await outbox.resolve(edit.seq!, 'mine');
    const after = await outbox.flush();
    expect(after.conflicts).toEqual([]);
    expect(server.current_).toMatchObject({
      version: 6,
      status: 'validated',
      segments: [seg('my fix')],
    });
    expect(server.applied.map((e) => e.idempotencyKey)).toEqual(['key-3', 'key-2']);
  });

  it('409 resolved with "theirs" drops the change and keeps the server version', async () => {
    const { server, outbox } = await setup();
    server.current_ = transcript(2, 'theirs');
    const edit = await outbox.enqueue(ID, 1, { kind: 'edit', segments: [seg('mine')] });
    await outbox.flush();
    await outbox.resolve(edit.seq!, 'theirs');
    expect(await outbox.pendingCount()).toBe(0);
    await outbox.flush();
    expect(server.current_.segments).toEqual([seg('theirs')]);
  });

  it('a refusal other than 409 drops the change and reports it', async () => {
    const { outbox } = await setup();
    const failing = new Outbox(await openPwaDb(`outbox-test-${++dbCounter}`), {
      send: () =>
        Promise.reject(new ApiError(422, 'validation_failed', 'segments[0].endMs before startMs')),
      current: () => Promise.reject(new Error('unused')),
    });
    await failing.enqueue(ID, 1, { kind: 'edit', segments: [seg('x')] });
    await expect(failing.flush()).rejects.toThrow('segments[0].endMs before startMs');
    expect(await failing.pendingCount()).toBe(0);
    expect(await outbox.pendingCount()).toBe(0);
  });
});
