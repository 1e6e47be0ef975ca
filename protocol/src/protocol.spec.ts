import {
  CreateUserRequest,
  ErrorBody,
  LoginRequest,
  Segment,
  TranscriptionJob,
  TranscriptionResult,
  serverEventSchemas,
} from './index';

describe('protocol schemas', () => {
  it('normalises emails on login and refuses unknown keys', () => {
    expect(LoginRequest.parse({ email: ' Admin@Example.COM ', password: 'x' }).email).toBe(
      'admin@example.com',
    );
    expect(LoginRequest.safeParse({ email: 'a@b.co', password: 'x', role: 'admin' }).success).toBe(
      false,
    );
  });

  it('enforces the password policy and the extension format on user creation', () => {
    const base = { email: 'a@b.co', displayName: 'A', role: 'agent' as const };
    expect(CreateUserRequest.safeParse({ ...base, password: 'short' }).success).toBe(false);
    expect(
      CreateUserRequest.safeParse({ ...base, password: 'long enough pw', extension: '12a' })
        .success,
    ).toBe(false);
    expect(
      CreateUserRequest.safeParse({ ...base, password: 'long enough pw', extension: '201' })
        .success,
    ).toBe(true);
    expect(
      CreateUserRequest.safeParse({ ...base, role: 'root', password: 'long enough pw' }).success,
    ).toBe(false);
  });

  it('rejects a segment that ends before it starts', () => {
    expect(Segment.safeParse({ speaker: 'agent', startMs: 10, endMs: 5, text: 'x' }).success).toBe(
      false,
    );
    expect(Segment.safeParse({ speaker: 'robot', startMs: 0, endMs: 5, text: 'x' }).success).toBe(
      false,
    );
  });

  it('accepts a well-formed transcription job and result', () => {
    const job = {
      recordingId: '6f1c1f9e-0c7f-4a39-9d55-2b8f8f3c2d10',
      callId: '0b7f7a4e-9a1e-4d2b-8b3e-5f0d6c1e2a3b',
      channels: 2,
      durationMs: 1000,
      languageHint: null,
    };
    expect(TranscriptionJob.parse(job)).toEqual(job);
    expect(TranscriptionJob.safeParse({ ...job, channels: 6 }).success).toBe(false);
    const result = {
      language: 'fr',
      segments: [{ speaker: 'caller', startMs: 0, endMs: 900, text: 'Bonjour' }],
      model: 'tiny',
      engine: 'whisper.cpp',
      timings: { fetchMs: 1, decodeMs: 1, transcribeMs: 1, totalMs: 3 },
    };
    expect(TranscriptionResult.parse(result)).toEqual(result);
  });

  it('describes every server event with a schema and the error body shape', () => {
    expect(Object.keys(serverEventSchemas)).toEqual(
      expect.arrayContaining(['transcript.progress', 'transcript.ready', 'call.started']),
    );
    expect(ErrorBody.safeParse({ error: { code: 'not_found', message: 'no' } }).success).toBe(true);
    expect(ErrorBody.safeParse({ error: { code: 'teapot', message: 'no' } }).success).toBe(false);
  });
});
