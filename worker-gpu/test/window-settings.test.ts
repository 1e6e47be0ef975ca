/**
 * A window job's Whisper settings (decision 1611) as the worker applies them: the admins'
 * language, voice detection and fallback over the worker's environment, the server-composed
 * prompt as is, a model the worker lacks reported in the result. A local HTTP server stands in for
 * the window endpoint; the engine is a recorder (what it is asked is the point here).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRANSCRIPTION_JOB_NAMES, type TranscribeWindowResult } from '@cwn/protocol';
import { encodeWav, SAMPLE_RATE } from '../src/audio/wav';
import { loadConfig } from '../src/config';
import type { TranscribeOptions, Transcriber } from '../src/engine/transcriber';
import { processJob } from '../src/job/processor';
import { msOf, place, speak } from '@cwn/test-support/worker-speech';

const TOKEN = 'test-worker-token-window-settings';
const LIVE = '66666666-6666-4666-8666-666666666666';
const CALL = '99999999-9999-4999-8999-999999999999';
let server: Server;
let url = '';
const asked: TranscribeOptions[] = [];

const engine: Transcriber = {
  engine: 'recorder',
  model: 'base',
  gpu: false,
  transcribe: async (pcm, opts) => {
    asked.push(opts);
    return {
      language: opts.language === 'auto' ? 'en' : opts.language,
      segments: [{ startMs: 0, endMs: Math.round((pcm.length / SAMPLE_RATE) * 1000), text: 'x' }],
      invalidUtf8Dropped: 0,
    };
  },
  close: async () => undefined,
};

beforeAll(async () => {
  const voice = speak('Hello, this is the help desk.');
  const pcm = place(msOf(voice) + 400, [{ atMs: 200, pcm: voice }]);
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'audio/wav' }).end(encodeWav([pcm]));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const config = () =>
  loadConfig(
    {
      PATH: process.env.PATH,
      SERVER_INTERNAL_URL: url,
      WORKER_TOKEN: TOKEN,
      WHISPER_MODEL: 'base',
      WHISPER_LANGUAGE: 'en',
      WHISPER_PROMPT: 'environment words',
      WHISPER_TEMPERATURE_INC: '0.2',
    },
    { checkModel: false },
  );

const windowJob = (extra: Record<string, unknown>) => ({
  id: 'window-live-x',
  name: TRANSCRIPTION_JOB_NAMES.window,
  attemptsMade: 0,
  updateProgress: async () => undefined,
  data: {
    callId: CALL,
    source: { kind: 'live', liveRecordingId: LIVE },
    channel: 'caller',
    startSample: 16_000,
    endSample: 16_000 + 2 * SAMPLE_RATE,
    ...extra,
  },
});

describe('a window job’s settings', () => {
  it('are applied over the worker’s environment, the prompt built as a call’s, and what was applied comes back', async () => {
    asked.length = 0;
    const result = (await processJob(
      windowJob({
        context: 'caller said hello',
        settings: {
          language: 'fr',
          vad: false,
          temperatureInc: 0.4,
          model: 'large-v3',
          prompt: 'VPN',
          vocabulary: ['Marc Dupont', 'Boulangerie Dupont'],
        },
      }),
      { config: config(), engine },
    )) as TranscribeWindowResult;
    expect(asked.length).toBeGreaterThan(0);
    for (const o of asked)
      expect(o).toMatchObject({
        language: 'fr',
        prompt: 'Marc Dupont, Boulangerie Dupont. VPN caller said hello',
        temperatureInc: 0.4,
      });
    expect(result.settings).toEqual({
      engine: 'recorder',
      model: 'base',
      missingModel: 'large-v3',
      language: 'fr',
      prompt: 'Marc Dupont, Boulangerie Dupont. VPN caller said hello',
      vad: false,
      vadSensitivity: 50,
      temperatureInc: 0.4,
    });
  });

  it('with no prompt of the admins’, the worker’s own comes before the channel’s text', async () => {
    asked.length = 0;
    await processJob(windowJob({ context: 'said hello', settings: { prompt: null } }), {
      config: config(),
      engine,
    });
    expect(asked.length).toBeGreaterThan(0);
    for (const o of asked) expect(o).toMatchObject({ prompt: 'environment words said hello' });
  });

  it('a job of an older server (no settings, no context) runs on the environment', async () => {
    asked.length = 0;
    const result = (await processJob(windowJob({ prompt: 'dropped: older servers composed it' }), {
      config: config(),
      engine,
    })) as TranscribeWindowResult;
    for (const o of asked)
      expect(o).toMatchObject({ language: 'en', prompt: 'environment words', temperatureInc: 0.2 });
    expect(result.settings).toMatchObject({ missingModel: null, vad: true, language: 'en' });
  });
});
