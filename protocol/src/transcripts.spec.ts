import {
  CallTranscript,
  EditTranscriptRequest,
  TranscriptFailedEvent,
  ValidateTranscriptRequest,
} from './index';

describe('transcript editing contracts', () => {
  const segment = { speaker: 'agent', startMs: 0, endMs: 900, text: 'Bonjour' };

  it('needs the edited version and valid segments', () => {
    expect(EditTranscriptRequest.safeParse({ version: 3, segments: [segment] }).success).toBe(true);
    expect(EditTranscriptRequest.safeParse({ segments: [segment] }).success).toBe(false);
    expect(EditTranscriptRequest.safeParse({ version: 0, segments: [] }).success).toBe(false);
    expect(
      EditTranscriptRequest.safeParse({ version: 1, segments: [{ ...segment, endMs: -1 }] })
        .success,
    ).toBe(false);
  });

  it('validates with an optional version and an optional hand-picked organization', () => {
    expect(ValidateTranscriptRequest.parse({})).toEqual({});
    expect(ValidateTranscriptRequest.parse({ version: 2, organizationId: 7 })).toEqual({
      version: 2,
      organizationId: 7,
    });
    expect(ValidateTranscriptRequest.safeParse({ organizationId: -1 }).success).toBe(false);
  });

  it("describes a call's transcript state, failures included", () => {
    const callId = '0b7f7a4e-9a1e-4d2b-8b3e-5f0d6c1e2a3b';
    expect(
      CallTranscript.safeParse({
        callId,
        callStatus: 'failed',
        failureReason: 'invalid_audio: x',
        transcript: null,
      }).success,
    ).toBe(true);
    expect(
      CallTranscript.safeParse({
        callId,
        callStatus: 'done',
        failureReason: null,
        transcript: null,
      }).success,
    ).toBe(false);
    expect(
      TranscriptFailedEvent.safeParse({ callId, recordingId: callId, reason: 'x' }).success,
    ).toBe(true);
  });
});
