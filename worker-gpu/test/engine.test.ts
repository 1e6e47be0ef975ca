import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { WhisperCppTranscriber } from '../src/engine/whisper-cpp';
import { TEST_MODEL_PATH } from '../src/models/paths';
import { ensureTestModel, generateTestModel } from '../src/models/test-model';
import { decodeWav, encodeWav } from '../src/audio/wav';
import { transcribeCall } from '../src/pipeline/transcribe-call';
import { msOf, place, speak } from '@cwn/test-support/worker-speech';

jest.setTimeout(60000);

let engine: WhisperCppTranscriber;
beforeAll(async () => {
  ensureTestModel(TEST_MODEL_PATH);
  engine = await WhisperCppTranscriber.create({
    modelPath: TEST_MODEL_PATH,
    gpu: false,
    contexts: 1,
  });
});
afterAll(() => engine?.close());

describe('generated test model', () => {
  it('is deterministic and small', () => {
    const h = (b: Buffer) => createHash('sha1').update(b).digest('hex');
    // the file on disk was written by an earlier generation (same generator version)
    expect(h(generateTestModel())).toBe(h(readFileSync(TEST_MODEL_PATH)));
    expect(statSync(TEST_MODEL_PATH).size).toBeLessThan(12e6);
  });

  it('loads in whisper.cpp and emits timestamped text segments for speech', async () => {
    const pcm = speak(
      'Hello, thank you for calling the help desk. My printer does not work since this morning.',
    );
    const progress: number[] = [];
    const out = await engine.transcribe(pcm, {
      language: 'en',
      beamSize: 1,
      threads: 1,
      temperatureInc: 0,
      onProgress: (p) => progress.push(p),
    });
    expect(engine.model).toBe('test-random-v1');
    expect(out.language).toBe('en');
    expect(out.segments.length).toBeGreaterThan(1);
    for (const s of out.segments) {
      expect(s.text.trim().length).toBeGreaterThan(0);
      expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
    }
    const starts = out.segments.map((s) => s.startMs);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p >= 0 && p <= 100)).toBe(true);
  });

  it('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      engine.transcribe(speak('abort me'), {
        language: 'en',
        beamSize: 1,
        threads: 1,
        signal: ac.signal,
      }),
    ).rejects.toThrow(/aborted/);
  });
});

describe('transcribeCall (stereo pipeline, real engine)', () => {
  it('labels channels, shifts timestamps to call time, skips silence', async () => {
    const agent = speak('Good morning, help desk, how can I help you?');
    const caller = speak('Hello, my laptop does not start any more since the update.');
    const callerAt = 1000 + msOf(agent) + 1500;
    const total = callerAt + msOf(caller) + 1000;
    const left = place(total, [{ atMs: 1000, pcm: agent }]);
    const right = place(total, [{ atMs: callerAt, pcm: caller }]);
    const audio = decodeWav(encodeWav([left, right]));
    const seen: number[] = [];
    const out = await transcribeCall(audio, engine, {
      language: 'en',
      beamSize: 1,
      threads: 1,
      temperatureInc: 0,
      vad: true,
      minSpeechMs: 300,
      minSpeechRatio: 0.3,
      onProgress: (p) => seen.push(p),
    });
    const agentSegs = out.segments.filter((s) => s.speaker === 'agent');
    const callerSegs = out.segments.filter((s) => s.speaker === 'caller');
    expect(agentSegs.length).toBeGreaterThan(0);
    expect(callerSegs.length).toBeGreaterThan(0);
    // the caller speaks only after the agent: every caller segment is in the caller's speech span
    for (const s of callerSegs) expect(s.startMs).toBeGreaterThanOrEqual(callerAt - 300);
    for (const s of agentSegs) expect(s.endMs).toBeLessThanOrEqual(1000 + msOf(agent) + 300);
    for (let i = 1; i < out.segments.length; i++) {
      expect(out.segments[i]!.startMs).toBeGreaterThanOrEqual(out.segments[i - 1]!.startMs);
    }
    expect(out.segments.every((s) => s.endMs <= audio.durationMs)).toBe(true);
    // only speech went to the engine
    expect(out.speechMs).toBeLessThan(total * 2 - 2000);
    expect(seen[seen.length - 1]).toBeCloseTo(100, 5);
  });

  it('returns no segments for a silent channel (mono → unknown speaker)', async () => {
    const audio = decodeWav(encodeWav([place(3000, [])]));
    const out = await transcribeCall(audio, engine, {
      language: 'auto',
      beamSize: 1,
      threads: 1,
      vad: true,
      minSpeechMs: 300,
      minSpeechRatio: 0.3,
    });
    expect(out.segments).toEqual([]);
    expect(out.speechMs).toBe(0);
  });
});
