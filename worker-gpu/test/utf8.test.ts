/**
 * U+FFFD from the generated model, with French speech. Its vocabulary holds the 256 single bytes,
 * so it sometimes writes a lone byte from 0x80 up, which is no character at all (the binding shows
 * U+FFFD in the segment and in its whole-output text alike: not a character split between
 * segments). 26 s of this French speech makes it write one (" go ge ka tifu nuvi\uFFFD").
 */
import { TranscriptionResult } from '@cwn/protocol';
import { WhisperCppTranscriber, toPcm16 } from '../src/engine/whisper-cpp';
import { TEST_MODEL_PATH } from '../src/models/paths';
import { ensureTestModel } from '../src/models/test-model';
import { transcribeCall } from '../src/pipeline/transcribe-call';
import { speak } from '@cwn/test-support/worker-speech';

jest.setTimeout(60_000);

let engine: WhisperCppTranscriber;
let pcm: Float32Array;

beforeAll(async () => {
  ensureTestModel(TEST_MODEL_PATH);
  engine = await WhisperCppTranscriber.create({
    modelPath: TEST_MODEL_PATH,
    gpu: false,
    contexts: 1,
  });
  const french = speak(
    "Bonjour, j'ai un problème avec l'imprimante du deuxième étage, elle affiche une erreur. " +
      'Très bien, je vais créer un ticket et un technicien passera cet après-midi.',
    'fr',
  );
  pcm = new Float32Array(16000 * 26);
  for (let i = 0; i < pcm.length; i++) pcm[i] = french[i % french.length]!;
});

afterAll(async () => {
  await engine?.close();
});

const opts = { language: 'fr', beamSize: 1, threads: 1, temperatureInc: 0 };

it('the binding itself shows U+FFFD for bytes that never form a character (the cause)', async () => {
  const native = require('@fugood/whisper.node') as {
    initWhisper(
      o: { filePath: string; useGpu: boolean },
      v: string,
    ): Promise<{
      transcribeData(
        d: ArrayBuffer,
        o: object,
      ): {
        promise: Promise<{ result: string; segments: Array<{ text: string }> }>;
      };
      release(): Promise<void>;
    }>;
  };
  const ctx = await native.initWhisper({ filePath: TEST_MODEL_PATH, useGpu: false }, 'default');
  try {
    const raw = await ctx.transcribeData(toPcm16(pcm), {
      language: 'fr',
      maxThreads: 1,
      temperatureInc: 0,
    }).promise;
    const inSegments = raw.segments.map((s) => s.text).join('');
    const count = (s: string) => s.split('\uFFFD').length - 1;
    expect(count(inSegments)).toBeGreaterThan(0);
    // the same U+FFFDs in the output decoded as a whole: no character was split between segments
    expect(count(raw.result)).toBe(count(inSegments));
  } finally {
    await ctx.release();
  }
});

it('the worker’s engine never emits U+FFFD and counts what it dropped', async () => {
  const out = await engine.transcribe(pcm, opts);
  expect(out.segments.length).toBeGreaterThan(0);
  for (const s of out.segments) expect(s.text).not.toContain('\uFFFD');
  expect(out.invalidUtf8Dropped).toBeGreaterThan(0);
});

it('the call transcript carries the count in the result metadata', async () => {
  const call = await transcribeCall(
    { sampleRate: 16000, channels: [pcm], durationMs: 26000 },
    engine,
    { ...opts, vad: false, minSpeechMs: 0, minSpeechRatio: 0 },
  );
  for (const s of call.segments) expect(s.text).not.toContain('\uFFFD');
  expect(call.invalidUtf8Dropped).toBeGreaterThan(0);
  const result = TranscriptionResult.parse({
    language: call.language,
    segments: call.segments,
    model: engine.model,
    engine: engine.engine,
    invalidUtf8Dropped: call.invalidUtf8Dropped,
    timings: { fetchMs: 0, decodeMs: 0, transcribeMs: 0, totalMs: 0 },
  });
  expect(result.invalidUtf8Dropped).toBe(call.invalidUtf8Dropped);
});
