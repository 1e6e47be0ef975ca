/**
 * simulate-call against the real server (createApp, fresh database) and the REAL worker
 * (whisper.cpp on the CPU with the generated test model), as `npm run simulate-call` uses them.
 */
import { startTestApp, TEST_PASSWORD, uniqueEmail, type TestApp } from '@cwn/test-support/app';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import { simulateCall, wavDurationMs, type SimulateOptions } from '../src/simulate-call/simulate';
import { makeTwoVoiceWav } from '../src/simulate-call/two-voice-wav';

jest.setTimeout(60_000);

let t: TestApp;
let worker: InProcessWorker | undefined;
let options: Omit<SimulateOptions, 'wav'>;

beforeAll(async () => {
  // A queue prefix of its own: this worker must not take other test files' jobs.
  t = await startTestApp({ REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-simulate` });
  await t.transcriptionEvents.start();
  const email = uniqueEmail('sim-agent');
  await t.services.users.create({
    email,
    password: TEST_PASSWORD,
    role: 'agent',
    displayName: 'Sim Agent',
  });
  options = {
    server: t.url(),
    email,
    password: TEST_PASSWORD,
    number: '+33 6 12 34 56 78',
    timeoutMs: 45_000,
  };

  worker = await startInProcessWorker(t, 'scripts-test');
});

afterAll(async () => {
  await worker?.stop();
  await t?.close();
});

describe('simulate-call', () => {
  it('reports, uploads and follows a spoken two-voice call until its transcript arrives', async () => {
    const wav = makeTwoVoiceWav();
    expect(wav.readUInt16LE(22)).toBe(2); // stereo
    expect(wav.readUInt32LE(24)).toBe(16_000);
    const durationMs = wavDurationMs(wav)!;
    expect(durationMs).toBeGreaterThan(3_000);

    const lines: string[] = [];
    const result = await simulateCall({ ...options, wav }, (l) => lines.push(l));

    const speakers = new Set(result.transcript.segments.map((s) => s.speaker));
    expect([...speakers].sort()).toEqual(['agent', 'caller']);
    expect(result.transcript).toMatchObject({ callId: result.callId, model: 'test-random-v1' });

    const call = (await t.models.Call.findByPk(result.callId))!;
    expect(call.status).toBe('transcribed');
    expect(call.remoteNumber).toBe('+33 6 12 34 56 78');
    expect(call.answeredAt).not.toBeNull();
    expect(call.endedAt!.getTime() - call.answeredAt!.getTime()).toBeCloseTo(durationMs, -2);

    const out = lines.join('\n');
    expect(out).toContain(`call ${result.callId}`);
    expect(out).toMatch(/… transcribing \d+%/);
    expect(out).toContain('transcript ready (test-random-v1');
    expect(out).toMatch(/\[0:0\d\.\d\] (agent|caller)/);
  });

  it('stops with the server’s own message when the file is not a WAV', async () => {
    const notWav = Buffer.from('this is not audio at all, just some text pretending to be a call');
    await expect(simulateCall({ ...options, wav: notWav }, () => undefined)).rejects.toThrow(
      /^uploading the recording failed \(HTTP 415\): not a RIFF\/WAVE file/,
    );
  });

  it('says why when the login is refused or the server is not there', async () => {
    const wav = Buffer.alloc(0);
    await expect(
      simulateCall({ ...options, password: 'not-the-password', wav }, () => undefined),
    ).rejects.toThrow(/^login failed \(HTTP 401\)/);
    await expect(
      simulateCall({ ...options, server: 'http://127.0.0.1:9', wav }, () => undefined),
    ).rejects.toThrow(/^cannot reach the server at http:\/\/127\.0\.0\.1:9/);
  });
});
