import {
  ByteCountHeader,
  IdempotencyKey,
  ListCallsQuery,
  UpdateCallRequest,
  UploadRecordingQuery,
} from './index';

const SHA = 'A'.repeat(64);

describe('upload and call schemas', () => {
  it('takes either a call id or the metadata to create the call', () => {
    const byId = UploadRecordingQuery.safeParse({
      callId: '6f1c1c2e-8b7a-4d2e-9a51-0f3d2b1c4e5f',
      sha256: SHA,
    });
    expect(byId.success && byId.data.sha256).toBe('a'.repeat(64));
    const byMeta = UploadRecordingQuery.safeParse({
      direction: 'inbound',
      pbxCallId: '123',
      startedAt: '2026-11-25T10:00:00Z',
      sha256: SHA,
    });
    expect(byMeta.success).toBe(true);
    const neither = UploadRecordingQuery.safeParse({ direction: 'inbound', sha256: SHA });
    expect(neither.success).toBe(false);
    expect(neither.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'pbxCallId',
      'startedAt',
    ]);
    expect(
      UploadRecordingQuery.safeParse({
        callId: '6f1c1c2e-8b7a-4d2e-9a51-0f3d2b1c4e5f',
        sha256: 'abc',
      }).success,
    ).toBe(false);
  });

  it('checks idempotency keys, byte-count headers and call events', () => {
    expect(IdempotencyKey.safeParse('short').success).toBe(false);
    expect(IdempotencyKey.safeParse('rec:2026-11-25:abc123').success).toBe(true);
    expect(ByteCountHeader.parse('1024')).toBe(1024);
    expect(ByteCountHeader.safeParse('-1').success).toBe(false);
    expect(ByteCountHeader.safeParse('1e6').success).toBe(false);
    expect(UpdateCallRequest.safeParse({ event: 'transferred' }).success).toBe(false);
    expect(ListCallsQuery.parse({}).limit).toBe(50);
    expect(ListCallsQuery.safeParse({ status: 'nope' }).success).toBe(false);
  });
});
