/**
 * The extension's HTTP transport against the REAL server (createApp, fresh database): a resumable
 * upload in several PATCHes, cut off by a network error in the middle and resumed from the
 * server's offset, then a retry of a completed upload that must not make a duplicate.
 */
import { createHash } from 'node:crypto';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import type { TrackedCall } from '../src/background/call-tracker';
import { HttpRecordingTransport } from '../src/background/http-transport';
import { UploadError } from '../src/background/upload-queue';
import type { UploadItem } from '../src/shared/db';

let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await startTestApp();
  token = (await t.userWithRole('agent')).accessToken;
});
afterAll(async () => {
  await t.close();
});

/** A valid 16 kHz stereo s16le WAV: 440 Hz left, 1 kHz right. */
function wav(seconds: number): ArrayBuffer {
  const frames = 16000 * seconds;
  const buf = Buffer.alloc(44 + frames * 4);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + frames * 4, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(2, 22);
  buf.writeUInt32LE(16000, 24);
  buf.writeUInt32LE(16000 * 4, 28);
  buf.writeUInt16LE(4, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(frames * 4, 40);
  for (let i = 0; i < frames; i++) {
    buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000)), 44 + i * 4);
    buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 16000)), 46 + i * 4);
  }
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

function item(data: ArrayBuffer, key: string): UploadItem {
  const call: TrackedCall = {
    key,
    tabId: 1,
    connectionId: 9,
    pbxCallId: `pbx-${key}`,
    direction: 'outbound',
    remoteNumber: '+41 44 000 00 00',
    remoteName: 'Transport Test',
    status: 'ended',
    startedAt: Date.parse('2026-11-25T10:00:00Z'),
    answeredAt: null,
    endedAt: Date.parse('2026-11-25T10:00:05Z'),
    pcIds: ['pc-12345678'],
    closedPcIds: [],
    holds: [],
    recorders: [],
    doNotRecord: false,
  };
  return {
    id: key,
    call,
    status: 'uploading',
    wav: data,
    sha256: createHash('sha256').update(Buffer.from(data)).digest('hex'),
    sizeBytes: data.byteLength,
    durationMs: 5000,
    attempts: 1,
    nextAttemptAt: 0,
    lastError: null,
    sessionUrl: null,
    serverCallId: null,
    serverRecordingId: null,
    updatedAt: 0,
  };
}

describe('HttpRecordingTransport (resumable upload to the real server)', () => {
  const realFetch = global.fetch;
  afterEach(() => {
    global.fetch = realFetch;
  });

  it('resumes a cut-off upload at the server’s offset and ends with the same sha256', async () => {
    const data = wav(5); // 320 KB: five PATCHes of 64 KiB
    let current = item(data, 'resume-1');
    const progress = async (patch: Partial<UploadItem>) => {
      current = { ...current, ...patch };
    };
    const transport = new HttpRecordingTransport(
      async () => t.url(),
      async () => token,
      64 * 1024,
    );

    const patches: string[] = [];
    global.fetch = async (input, init) => {
      if (init?.method === 'PATCH') {
        patches.push(String((init.headers as Record<string, string>)['Upload-Offset']));
        if (patches.length === 3) throw new TypeError('fetch failed'); // the network drops
      }
      return realFetch(input, init);
    };
    const cut = await transport.upload(current, progress).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(UploadError);
    expect((cut as UploadError).retryable).toBe(true);
    expect(current.sessionUrl).toMatch(/^\/api\/uploads\/[0-9a-f-]{36}$/);

    const receipt = await transport.upload(current, progress);
    expect(patches.map(Number)).toEqual([0, 65536, 131072, 131072, 196608, 262144]);
    expect(receipt.sha256).toBe(current.sha256);

    const detail = await t.http
      .get(`/api/calls/${receipt.callId}`)
      .set('Authorization', `Bearer ${token}`);
    expect(detail.status).toBe(200);
    expect(detail.body.call).toMatchObject({
      pbxCallId: 'pbx-resume-1',
      direction: 'outbound',
      remoteName: 'Transport Test',
    });
  });

  it('a retry after the answer was lost returns the stored recording, not a duplicate', async () => {
    const data = wav(1);
    const first = item(data, 'retry-1');
    const transport = new HttpRecordingTransport(
      async () => t.url(),
      async () => token,
    );
    const a = await transport.upload(first, async () => undefined);
    // The same call again from scratch (e.g. the worker died before it saved the receipt).
    const b = await transport.upload({ ...first, sessionUrl: null }, async () => undefined);
    expect(b.recordingId).toBe(a.recordingId);
    expect(b.sha256).toBe(a.sha256);
  });

  it('reports a refused file as not retryable and an unreachable server as retryable', async () => {
    const bad = item(
      new TextEncoder().encode('not a wav at all, sorry').buffer as ArrayBuffer,
      'bad-1',
    );
    const transport = new HttpRecordingTransport(
      async () => t.url(),
      async () => token,
    );
    const refused = await transport.upload(bad, async () => undefined).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UploadError);
    expect((refused as UploadError).retryable).toBe(false);
    expect((refused as UploadError).message).toMatch(/^HTTP 4\d\d/);

    const down = new HttpRecordingTransport(
      async () => 'http://127.0.0.1:9',
      async () => token,
    );
    const unreachable = await down
      .upload(item(wav(1), 'down-1'), async () => undefined)
      .catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ retryable: true });
    expect((unreachable as Error).message).toMatch(/server unreachable/);
  });
});
