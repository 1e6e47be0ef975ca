/**
 * The second engine end to end: a spoken stereo call uploaded through the API, queued, transcribed
 * by the REAL worker configured with WHISPER_ENGINE=openai against the fake Whisper server (real
 * HTTP, bearer key), and stored by the server with the API's engine and model. A key the server
 * refuses fails the call once, with a reason that names the cause and not the key.
 */
import { UploadRecordingResponse, type Segment, type TokenPair } from '@cwn/protocol';
import {
  createWhisperApiSim,
  type RunningWhisperApiSim,
  type WhisperApiSim,
} from '@cwn/whisper-api-sim';
import { encodeWav, msOf, place, speak } from '@cwn/test-support/worker-speech';
import { callMeta, sha256, upload } from '@cwn/test-support/recording-fixtures';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import {
  connected,
  dial,
  eventually,
  recordEvents,
  type ClientSocket,
} from '@cwn/test-support/transcript-fixtures';

jest.setTimeout(120_000);

const KEY = 'sk-e2e-whisper-api-key-42';
const MODEL = 'Systran/faster-whisper-large-v3';

let t: TestApp;
let agent: TokenPair;
let sim: WhisperApiSim;
let running: RunningWhisperApiSim;
let worker: InProcessWorker | undefined;
let socket: ClientSocket | undefined;
let events: ReturnType<typeof recordEvents>;

beforeAll(async () => {
  t = await startTestApp({ REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-openai` });
  await t.transcriptionEvents.start();
  agent = await t.userWithRole('agent');
  sim = createWhisperApiSim({ apiKey: KEY, models: [MODEL], detectedLanguage: 'fr' });
  running = await sim.listen();
  worker = await startInProcessWorker(t, 'openai-engine', {
    WHISPER_ENGINE: 'openai',
    WHISPER_API_URL: running.url, // a bare server URL: the worker adds /v1/audio/transcriptions
    WHISPER_API_MODEL: MODEL,
    WHISPER_API_KEY: KEY,
    WHISPER_API_TIMEOUT_MS: '20000',
    WHISPER_LANGUAGE: 'auto',
    WHISPER_PROMPT: 'NinjaOne, imprimante',
  });
  socket = dial(t.url(), agent.accessToken);
  events = recordEvents(socket, ['transcript.ready', 'transcript.failed']);
  await connected(socket);
});

afterAll(async () => {
  socket?.disconnect();
  await worker?.stop();
  await running?.close();
  await t?.close();
});

function stereoCall() {
  const agentSpeech = speak('Bonjour, service informatique, je vous écoute.', 'fr');
  const callerSpeech = speak('Mon imprimante affiche un bourrage papier.', 'fr');
  const agentEnd = 800 + msOf(agentSpeech);
  const callerAt = agentEnd + 1_200;
  const totalMs = callerAt + msOf(callerSpeech) + 800;
  const wav = encodeWav([
    place(totalMs, [{ atMs: 800, pcm: agentSpeech }]),
    place(totalMs, [{ atMs: callerAt, pcm: callerSpeech }]),
  ]);
  return { wav, agentEnd, callerAt, totalMs };
}

async function uploadCall(wav: Buffer) {
  const res = await upload(t, agent.accessToken, wav, { ...callMeta(), sha256: sha256(wav) });
  expect(res.status).toBe(201);
  return UploadRecordingResponse.parse(res.body);
}

describe('upload → queue → worker with the Whisper API engine → stored transcript', () => {
  it("stores the API's segments per speaker, with the API's engine, model and language", async () => {
    const call = stereoCall();
    const uploaded = await uploadCall(call.wav);
    const ready = await eventually(
      'transcript.ready',
      () => {
        const failed = events
          .of<{ callId: string; reason: string }>('transcript.failed')
          .find((e) => e.callId === uploaded.callId);
        if (failed) throw new Error(`transcription failed: ${failed.reason}`);
        return events
          .of<{ callId: string; transcript: { id: string } }>('transcript.ready')
          .find((e) => e.callId === uploaded.callId);
      },
      90_000,
    );

    const stored = await t.models.Transcript.findAll({
      where: { recordingId: uploaded.recording.id },
    });
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id).toBe(ready.transcript.id);
    expect(stored[0]).toMatchObject({ engine: 'openai-compatible', model: MODEL, language: 'fr' });
    expect((await t.models.Call.findByPk(uploaded.callId))!.status).toBe('transcribed');
    // the heartbeat announces the API's engine and model, as it does whisper.cpp's
    expect(worker!.worker.heartbeat.snapshot()).toMatchObject({
      engine: 'openai-compatible',
      model: MODEL,
      gpu: false,
    });

    // one request per channel's speech chunk, each with the key, the model and the prompt
    const reqs = sim.requests();
    expect(reqs).toHaveLength(2);
    for (const r of reqs) {
      expect(r.path).toBe('/v1/audio/transcriptions');
      expect(r.authorization).toBe(`Bearer ${KEY}`);
      expect(r.fields).toMatchObject({
        model: [MODEL],
        prompt: ['NinjaOne, imprimante'],
        response_format: ['verbose_json'],
      });
      expect(r.fields.language).toBeUndefined();
      expect(r.file).toMatchObject({ sampleRate: 16000, channels: 1 });
    }

    const segments: Segment[] = stored[0]!.segments;
    const agentSegments = segments.filter((s) => s.speaker === 'agent');
    const callerSegments = segments.filter((s) => s.speaker === 'caller');
    expect(agentSegments).toHaveLength(1);
    expect(callerSegments).toHaveLength(1);
    // the fake's placeholder text, trimmed by the pipeline
    expect(agentSegments[0]!.text).toMatch(/^Speech 1 from \d+\.\d\d to \d+\.\d\d seconds\.$/);
    // chunk-relative seconds shifted back to call time: each speaker where they spoke
    expect(agentSegments[0]!.startMs).toBeGreaterThanOrEqual(700);
    expect(agentSegments[0]!.endMs).toBeLessThanOrEqual(call.agentEnd + 100);
    expect(callerSegments[0]!.startMs).toBeGreaterThanOrEqual(call.callerAt - 100);
    expect(callerSegments[0]!.endMs).toBeLessThanOrEqual(call.totalMs);
  });

  it('a key the server refuses fails the call once, naming the cause and not the key', async () => {
    sim.clearRequests();
    sim.configure({ apiKey: 'sk-rotated-on-the-server-side' });
    const uploaded = await uploadCall(stereoCall().wav);
    const failed = await eventually(
      'transcript.failed',
      () =>
        events
          .of<{ callId: string; reason: string }>('transcript.failed')
          .find((e) => e.callId === uploaded.callId),
      60_000,
    );
    expect(failed.reason).toMatch(/^whisper_api_rejected: .*HTTP 401.*WHISPER_API_KEY/);
    expect(failed.reason).not.toContain(KEY);
    expect(failed.reason).not.toContain('sk-');
    const call = await t.models.Call.findByPk(uploaded.callId);
    expect(call!.status).toBe('failed');
    expect(call!.failureReason).toBe(failed.reason);
    // permanent: one request, no retry by the worker or the queue
    expect(sim.requests().map((r) => r.status)).toEqual([401]);
  });
});
