import {
  CloseLiveRecordingBody,
  LiveAppendOffset,
  OpenLiveRecordingBody,
  TranscribeWindowJob,
} from './live';

const id = '00000000-0000-4000-8000-000000000001';

describe('live recording contracts', () => {
  it('takes only 16 kHz s16le stereo, saying what is expected', () => {
    expect(
      OpenLiveRecordingBody.safeParse({
        format: { sampleRate: 16000, channels: 2, encoding: 's16le' },
      }).success,
    ).toBe(true);
    const wrong = OpenLiveRecordingBody.safeParse({
      format: { sampleRate: 48000, channels: 1, encoding: 'f32le' },
    });
    expect(wrong.success).toBe(false);
    const messages = wrong.error!.issues.map((i) => i.message).join(' | ');
    expect(messages).toContain('16000 Hz');
    expect(messages).toContain('stereo');
    expect(messages).toContain('s16le');
  });

  it('takes offsets and totals in whole stereo frames only', () => {
    expect(LiveAppendOffset.parse('4096')).toBe(4096);
    expect(LiveAppendOffset.safeParse('4098').success).toBe(false);
    expect(LiveAppendOffset.safeParse('-4').success).toBe(false);
    expect(LiveAppendOffset.safeParse('abc').success).toBe(false);
    expect(CloseLiveRecordingBody.safeParse({ totalBytes: 6 }).success).toBe(false);
  });

  it('refuses windows that are empty, reversed or longer than Whisper sees', () => {
    const base = {
      callId: id,
      source: { kind: 'live', liveRecordingId: id },
      channel: 'agent',
      context: '',
    } as const;
    expect(
      TranscribeWindowJob.safeParse({ ...base, startSample: 0, endSample: 16000 }).success,
    ).toBe(true);
    expect(
      TranscribeWindowJob.safeParse({ ...base, startSample: 16000, endSample: 16000 }).success,
    ).toBe(false);
    expect(
      TranscribeWindowJob.safeParse({ ...base, startSample: 0, endSample: 31 * 16000 }).success,
    ).toBe(false);
    expect(
      TranscribeWindowJob.safeParse({
        ...base,
        source: { kind: 'other' },
        startSample: 0,
        endSample: 10,
      }).success,
    ).toBe(false);
  });
});
