/**
 * The worker's end-to-end path with the real engine: a spoken stereo call is uploaded through the
 * API (`POST /api/upload-recording`), queued by the ingest, transcribed by the REAL worker
 * (worker-gpu's startWorker, whisper.cpp on the CPU with the generated test model) fetching the
 * audio from the server's internal endpoint, and the server stores the transcript and relays the
 * progress over Socket.IO.
 */
import {
  UploadRecordingResponse,
  type Segment,
  type TokenPair,
  type Transcript,
} from '@cwn/protocol';
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

jest.setTimeout(180_000);

let t: TestApp;
let agent: TokenPair;
let worker: InProcessWorker | undefined;
let socket: ClientSocket | undefined;

beforeAll(async () => {
  // A queue prefix of its own: this worker must not take the other test files' jobs.
  t = await startTestApp({ REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-engine` });
  await t.transcriptionEvents.start();
  agent = await t.userWithRole('agent');
});

afterAll(async () => {
  socket?.disconnect();
  await worker?.stop();
  await t.close();
});

describe('upload → queue → real worker → stored transcript', () => {
  it('stores agent and caller segments in time order within the call, with progress seen live', async () => {
    const agentSpeech = speak('Good morning, you are speaking with the help desk, how can I help?');
    const callerSpeech = speak('Hello, since this morning my printer shows a paper jam error.');
    const agentEnd = 800 + msOf(agentSpeech);
    const callerAt = agentEnd + 1_200;
    const totalMs = callerAt + msOf(callerSpeech) + 800;
    const wav = encodeWav([
      place(totalMs, [{ atMs: 800, pcm: agentSpeech }]),
      place(totalMs, [{ atMs: callerAt, pcm: callerSpeech }]),
    ]);

    socket = dial(t.url(), agent.accessToken);
    const events = recordEvents(socket, [
      'transcript.progress',
      'transcript.ready',
      'transcript.failed',
    ]);
    await connected(socket);

    worker = await startInProcessWorker(t, 'server-test');

    const res = await upload(t, agent.accessToken, wav, { ...callMeta(), sha256: sha256(wav) });
    expect(res.status).toBe(201);
    const uploaded = UploadRecordingResponse.parse(res.body);
    const callId = uploaded.callId;
    const recordingId = uploaded.recording.id;
    expect(uploaded.recording).toMatchObject({ channels: 2 });

    const ready = await eventually(
      'transcript.ready',
      () => {
        const failed = events.of<{ reason: string }>('transcript.failed')[0];
        if (failed) throw new Error(`transcription failed: ${failed.reason}`);
        return events
          .of<{ callId: string; transcript: Transcript }>('transcript.ready')
          .find((e) => e.callId === callId);
      },
      150_000,
    );

    const stored = await t.models.Transcript.findAll({ where: { recordingId } });
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id).toBe(ready.transcript.id);
    expect((await t.models.Call.findByPk(callId))!.status).toBe('transcribed');
    expect(ready.transcript).toMatchObject({
      engine: 'whisper.cpp',
      model: 'test-random-v1',
      language: 'en',
    });

    const segments: Segment[] = stored[0]!.segments;
    const agentSegments = segments.filter((s) => s.speaker === 'agent');
    const callerSegments = segments.filter((s) => s.speaker === 'caller');
    expect(agentSegments.length).toBeGreaterThan(0);
    expect(callerSegments.length).toBeGreaterThan(0);
    segments.forEach((s, i) => {
      expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
      expect(s.endMs).toBeLessThanOrEqual(totalMs);
      if (i > 0) expect(s.startMs).toBeGreaterThanOrEqual(segments[i - 1]!.startMs);
    });
    // The caller only speaks after the agent has finished.
    expect(Math.min(...callerSegments.map((s) => s.startMs))).toBeGreaterThanOrEqual(agentEnd);

    const progress = events
      .of<{ callId: string; percent: number; stage?: string }>('transcript.progress')
      .filter((p) => p.callId === callId);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.map((p) => p.stage)).toEqual(
      expect.arrayContaining(['fetching', 'transcribing', 'done']),
    );
    expect(progress[progress.length - 1]!.percent).toBe(100);
    const percents = progress.map((p) => p.percent);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
  });
});
