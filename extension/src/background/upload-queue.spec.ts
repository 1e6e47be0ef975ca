import 'fake-indexeddb/auto';
import { openCwnDb, type UploadItem } from '../shared/db';
import type { TrackedCall } from './call-tracker';
import {
  KEEP_DONE,
  UploadError,
  UploadQueue,
  backoffMs,
  type RecordingTransport,
  type UploadReceipt,
} from './upload-queue';

let n = 0;
const SHA = 'a'.repeat(64);

function item(id: string, overrides: Partial<UploadItem> = {}): UploadItem {
  const call = { key: id, startedAt: 1000 } as TrackedCall;
  return {
    id,
    call,
    status: 'pending',
    wav: new Uint8Array([1, 2, 3]).buffer,
    sha256: SHA,
    sizeBytes: 3,
    durationMs: 1000,
    attempts: 0,
    nextAttemptAt: 0,
    lastError: null,
    sessionUrl: null,
    serverCallId: null,
    serverRecordingId: null,
    updatedAt: 0,
    ...overrides,
  };
}

/** A transport that plays a script of outcomes, one per attempt. */
class ScriptedTransport implements RecordingTransport {
  calls: string[] = [];
  constructor(private readonly script: (UploadReceipt | UploadError)[]) {}
  async upload(i: UploadItem): Promise<UploadReceipt> {
    this.calls.push(i.id);
    const next = this.script.shift();
    if (!next) throw new Error('unexpected attempt');
    if (next instanceof UploadError) throw next;
    return next;
  }
}

async function setup(script: (UploadReceipt | UploadError)[]) {
  let now = 10_000;
  const db = await openCwnDb(`upload-spec-${process.pid}-${n++}`);
  const transport = new ScriptedTransport(script);
  const queue = new UploadQueue(db, transport, () => now);
  return { db, transport, queue, advance: (ms: number) => (now += ms), now: () => now };
}

const ok: UploadReceipt = { sha256: SHA, recordingId: 'rec-1', callId: 'call-1' };

describe('backoffMs', () => {
  it('doubles from 2 s and stops at 5 minutes', () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([2000, 4000, 8000, 16000]);
    expect(backoffMs(30)).toBe(300_000);
  });
});

describe('UploadQueue', () => {
  it('deletes the local WAV only once the server confirmed the same sha256', async () => {
    const { queue } = await setup([ok]);
    await queue.put(item('c1'));
    expect(await queue.runDue()).toBeNull();
    const done = await queue.get('c1');
    expect(done).toMatchObject({
      status: 'done',
      wav: null,
      serverRecordingId: 'rec-1',
      serverCallId: 'call-1',
      attempts: 1,
    });
  });

  it('retries with backoff while the server is down, keeping the WAV', async () => {
    const { queue, transport, advance, now } = await setup([
      new UploadError('server unreachable', true),
      new UploadError('HTTP 503', true),
      ok,
    ]);
    await queue.put(item('c1'));
    const firstRetry = await queue.runDue();
    expect(firstRetry).toBe(now() + 2000);
    expect(await queue.get('c1')).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'server unreachable',
    });
    expect((await queue.get('c1'))!.wav).not.toBeNull();

    advance(1000);
    expect(await queue.runDue()).toBe(firstRetry); // not due yet: no attempt
    expect(transport.calls).toHaveLength(1);

    advance(1000);
    expect(await queue.runDue()).toBe(now() + 4000);
    advance(4000);
    expect(await queue.runDue()).toBeNull();
    expect(transport.calls).toEqual(['c1', 'c1', 'c1']);
    expect(await queue.get('c1')).toMatchObject({ status: 'done', attempts: 3 });
  });

  it('treats a different sha256 from the server as a failed attempt', async () => {
    const { queue } = await setup([{ ...ok, sha256: 'b'.repeat(64) }]);
    await queue.put(item('c1'));
    expect(await queue.runDue()).not.toBeNull();
    const after = await queue.get('c1');
    expect(after).toMatchObject({ status: 'pending' });
    expect(after!.lastError).toMatch(/expected a+/);
    expect(after!.wav).not.toBeNull();
  });

  it('parks a refused upload as failed until the agent retries it', async () => {
    const { queue } = await setup([new UploadError('HTTP 400: not a WAV', false), ok]);
    await queue.put(item('c1'));
    expect(await queue.runDue()).toBeNull();
    expect(await queue.get('c1')).toMatchObject({
      status: 'failed',
      lastError: 'HTTP 400: not a WAV',
    });
    expect(await queue.runDue()).toBeNull(); // failed items are not retried by themselves
    await queue.retry('c1');
    await queue.runDue();
    expect(await queue.get('c1')).toMatchObject({ status: 'done' });
  });

  it('resumes an upload interrupted by a worker restart (left as "uploading")', async () => {
    const { queue, db } = await setup([ok]);
    await db.put('uploads', item('c1', { status: 'uploading', attempts: 1 }));
    // A new queue on the same database, as after a restart.
    await queue.runDue();
    expect(await queue.get('c1')).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('keeps the progress a transport reports (resumable session URL) across failed attempts', async () => {
    const { db } = await setup([]);
    const seen: (string | null)[] = [];
    const transport: RecordingTransport = {
      async upload(i, onProgress) {
        seen.push(i.sessionUrl);
        if (!i.sessionUrl) {
          await onProgress({ sessionUrl: '/api/uploads/s1' });
          throw new UploadError('connection reset', true);
        }
        return ok;
      },
    };
    let now = 0;
    const queue = new UploadQueue(db, transport, () => now);
    await queue.put(item('c1'));
    await queue.runDue();
    now += 60_000;
    await queue.runDue();
    expect(seen).toEqual([null, '/api/uploads/s1']);
    expect(await queue.get('c1')).toMatchObject({ status: 'done' });
  });

  it('uploads several items oldest-due first and lists them without their audio', async () => {
    const { queue, transport } = await setup([ok, ok]);
    await queue.put(item('late', { nextAttemptAt: 5 }));
    await queue.put(item('early', { nextAttemptAt: 1 }));
    await queue.runDue();
    expect(transport.calls).toEqual(['early', 'late']);
    const listed = await queue.list();
    expect(listed).toHaveLength(2);
    expect(listed[0]).not.toHaveProperty('wav');
  });

  it('keeps only the most recent uploaded items, and never one still waiting', async () => {
    const { queue, db } = await setup([]);
    for (let i = 0; i < KEEP_DONE + 5; i++) {
      await db.put('uploads', item(`done-${i}`, { status: 'done', wav: null, updatedAt: i }));
    }
    await db.put('uploads', item('waiting', { status: 'failed', updatedAt: -1 }));
    await queue.runDue();
    const ids = (await queue.list()).map((i) => i.id);
    expect(ids).toHaveLength(KEEP_DONE + 1);
    expect(ids).toContain('waiting');
    expect(ids).toContain(`done-${KEEP_DONE + 4}`);
    expect(ids).not.toContain('done-4');
  });
});
