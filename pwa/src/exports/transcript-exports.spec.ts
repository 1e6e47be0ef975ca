import { Transcript, type Segment } from '@cwn/protocol';
import { exportTranscript, toSrt, toTxt, toVtt } from './transcript-exports';

const segments: Segment[] = [
  { speaker: 'agent', startMs: 0, endMs: 2500, text: ' Bonjour, support informatique. ' },
  {
    speaker: 'caller',
    startMs: 2600,
    endMs: 3_723_004,
    text: 'My printer <HP> says A --> B\n\nthen stops',
  },
  { speaker: 'unknown', startMs: 3_723_100, endMs: 3_723_200, text: '   ' },
];

const transcript = Transcript.parse({
  id: '11111111-1111-4111-8111-111111111111',
  callId: '22222222-2222-4222-8222-222222222222',
  recordingId: '33333333-3333-4333-8333-333333333333',
  language: 'fr',
  segments,
  model: 'tiny',
  engine: 'whisper.cpp',
  timings: { fetchMs: 1, decodeMs: 1, transcribeMs: 10, totalMs: 12 },
  status: 'draft',
  version: 3,
  createdAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T10:05:00.000Z',
  validatedAt: null,
  validatedBy: null,
});

describe('transcript exports', () => {
  it('TXT: one line per spoken segment with its start time and speaker', () => {
    expect(toTxt(segments)).toBe(
      '[00:00:00] Agent: Bonjour, support informatique.\n[00:00:02] Caller: My printer <HP> says A --> B\n\nthen stops\n',
    );
  });

  it('SRT: numbered cues, comma milliseconds, no blank line inside a cue, silent segments left out', () => {
    expect(toSrt(segments)).toBe(
      '1\n00:00:00,000 --> 00:00:02,500\nAgent: Bonjour, support informatique.\n\n' +
        '2\n00:00:02,600 --> 01:02:03,004\nCaller: My printer <HP> says A -> B\nthen stops\n',
    );
  });

  it('VTT: header, dot milliseconds, voice tags, markup escaped', () => {
    expect(toVtt(segments, { agent: 'Léa', caller: 'Client', unknown: '?' })).toBe(
      'WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n<v Léa>Bonjour, support informatique.\n\n' +
        '00:00:02.600 --> 01:02:03.004\n<v Client>My printer &lt;HP&gt; says A -&gt; B\nthen stops\n',
    );
  });

  it('JSON: parses back to the same segments and identity', () => {
    const parsed = JSON.parse(exportTranscript('json', transcript)) as Record<string, unknown>;
    expect(parsed).toEqual({
      id: transcript.id,
      callId: transcript.callId,
      language: 'fr',
      version: 3,
      status: 'draft',
      validatedAt: null,
      segments,
    });
  });

  it('an empty transcript gives empty files (VTT keeps its header)', () => {
    expect(toTxt([])).toBe('');
    expect(toSrt([])).toBe('');
    expect(toVtt([])).toBe('WEBVTT\n');
  });
});
