import { ConfigError, loadConfig, resolveModelPath } from './config';
import { TEST_MODEL_PATH } from './models/paths';

const base = {
  SERVER_INTERNAL_URL: 'http://server:3000',
  WORKER_TOKEN: 'secret-token',
  WHISPER_MODEL: '/models/x.bin',
};
const load = (env: Record<string, string>) => loadConfig(env, { checkModel: false });

describe('worker configuration', () => {
  it('applies defaults', () => {
    const c = load(base);
    expect(c).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      prefix: 'cwn',
      language: 'auto',
      beamSize: 5,
      gpu: false,
      vad: true,
      concurrency: 1,
      modelPath: '/models/x.bin',
    });
  });

  it('parses values', () => {
    const c = load({
      ...base,
      WHISPER_GPU: 'true',
      WHISPER_VAD: 'off',
      WHISPER_BEAM_SIZE: '2',
      WORKER_CONCURRENCY: '3',
      WHISPER_LANGUAGE: 'fr',
      WHISPER_PROMPT: 'NinjaOne, 3CX',
    });
    expect(c).toMatchObject({
      gpu: true,
      vad: false,
      beamSize: 2,
      concurrency: 3,
      language: 'fr',
      prompt: 'NinjaOne, 3CX',
    });
  });

  it.each([
    [{ WHISPER_BEAM_SIZE: 'five' }, /WHISPER_BEAM_SIZE: expected an integer/],
    [{ WHISPER_GPU: 'maybe' }, /WHISPER_GPU: expected true\/false/],
    [{ REDIS_URL: 'localhost' }, /REDIS_URL/],
    [{ WHISPER_LANGUAGE: 'french' }, /WHISPER_LANGUAGE/],
    [{ WORKER_CONCURRENCY: '0' }, /WORKER_CONCURRENCY/],
    [{ SERVER_INTERNAL_URL: '' }, /SERVER_INTERNAL_URL/],
    [
      { WORKER_LOCK_DURATION_MS: '1000', WORKER_STALLED_INTERVAL_MS: '5000' },
      /WORKER_STALLED_INTERVAL_MS/,
    ],
  ])('names the bad variable: %j', (bad, message) => {
    expect(() => load({ ...base, ...bad })).toThrow(ConfigError);
    expect(() => load({ ...base, ...bad })).toThrow(message);
  });

  it("retakes a killed worker's job within 15 s by default (lock expiry + one stalled check)", () => {
    const c = load(base);
    expect(c.lockDurationMs + c.stalledIntervalMs).toBeLessThan(15000);
  });

  it('turns the temperature fallback off for the generated model only, unless set', () => {
    expect(load(base).temperatureInc).toBe(0.2);
    expect(load({ ...base, WHISPER_MODEL: 'test' }).temperatureInc).toBe(0);
    expect(load({ ...base, WHISPER_MODEL: TEST_MODEL_PATH }).temperatureInc).toBe(0);
    expect(
      load({ ...base, WHISPER_MODEL: 'test', WHISPER_TEMPERATURE_INC: '0.4' }).temperatureInc,
    ).toBe(0.4);
    expect(load({ ...base, WHISPER_TEMPERATURE_INC: '0' }).temperatureInc).toBe(0);
  });

  it('names missing required variables', () => {
    expect(() => load({})).toThrow(/SERVER_INTERNAL_URL[\s\S]*WORKER_TOKEN/);
  });

  it('refuses a missing model file with the download command', () => {
    expect(() =>
      loadConfig({ ...base, WHISPER_MODEL: 'medium', MODELS_DIR: '/nonexistent' }),
    ).toThrow(/WHISPER_MODEL: model file not found: \/nonexistent\/ggml-medium.bin/);
  });

  it('resolves model names in MODELS_DIR', () => {
    expect(resolveModelPath('large-v3-turbo', '/models')).toBe('/models/ggml-large-v3-turbo.bin');
    expect(resolveModelPath('test', '/models')).toMatch(/models\/test\/ggml-test-random-v1\.bin$/);
  });

  describe('the Whisper API engine (WHISPER_ENGINE=openai)', () => {
    const api = { ...base, WHISPER_ENGINE: 'openai' };
    const KEY = 'sk-live-abcdefghijklmnop';

    it('defaults to whisper-cpp, with no API options', () => {
      expect(load(base)).toMatchObject({ engine: 'whisper-cpp', openai: null });
    });

    it('builds the engine options, and needs no local model file', () => {
      const c = loadConfig({
        ...api,
        WHISPER_MODEL: 'medium',
        MODELS_DIR: '/nonexistent',
        WHISPER_API_URL: 'http://whisper:8000/v1/audio/transcriptions',
        WHISPER_API_MODEL: 'Systran/faster-whisper-large-v3',
        WHISPER_API_KEY: ` ${KEY} `,
        WHISPER_API_TIMEOUT_MS: '90000',
        WHISPER_API_MAX_ATTEMPTS: '5',
        WHISPER_API_WORD_TIMESTAMPS: 'true',
      });
      expect(c.engine).toBe('openai');
      expect(c.openai).toEqual({
        url: 'http://whisper:8000/v1/audio/transcriptions',
        model: 'Systran/faster-whisper-large-v3',
        apiKey: KEY,
        timeoutMs: 90000,
        maxAttempts: 5,
        maxRetryDelayMs: 30000,
        wordTimestamps: true,
        temperature: 0,
      });
    });

    it('completes a bare server URL or a /v1 base, and keeps any other path', () => {
      const url = (u: string) => load({ ...api, WHISPER_API_URL: u }).openai!.url;
      expect(url('http://whisper:8000')).toBe('http://whisper:8000/v1/audio/transcriptions');
      expect(url('https://api.openai.com/v1/')).toBe(
        'https://api.openai.com/v1/audio/transcriptions',
      );
      expect(url('http://127.0.0.1:8080/inference')).toBe('http://127.0.0.1:8080/inference');
      expect(load({ ...api, WHISPER_API_URL: 'http://w:1' }).openai!.apiKey).toBeNull();
      expect(load({ ...api, WHISPER_API_URL: 'http://w:1' }).openai!.model).toBe('whisper-1');
    });

    it.each([
      [{}, /WHISPER_API_URL: required when WHISPER_ENGINE=openai/],
      [{ WHISPER_API_URL: 'whisper:8000' }, /WHISPER_API_URL: expected an http/],
      [{ WHISPER_API_URL: 'not a url' }, /WHISPER_API_URL: not a URL/],
      [{ WHISPER_API_URL: 'http://u:pw@w:1/' }, /WHISPER_API_URL: must not hold credentials/],
      [{ WHISPER_API_URL: 'http://w:1', WHISPER_API_MODEL: 'two words' }, /WHISPER_API_MODEL/],
      [
        { WHISPER_API_URL: 'http://w:1', WHISPER_API_MAX_ATTEMPTS: '0' },
        /WHISPER_API_MAX_ATTEMPTS/,
      ],
      [{ WHISPER_ENGINE: 'faster-whisper' }, /WHISPER_ENGINE: expected "whisper-cpp"/],
    ])('names the bad variable: %j', (bad, message) => {
      expect(() => load({ ...api, ...bad })).toThrow(ConfigError);
      expect(() => load({ ...api, ...bad })).toThrow(message);
    });

    it('refuses a key a header cannot carry without quoting it', () => {
      const bad = 'sk-secret part-two';
      let message = '';
      try {
        load({ ...api, WHISPER_API_URL: 'http://w:1', WHISPER_API_KEY: bad });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/WHISPER_API_KEY: holds spaces/);
      expect(message).not.toContain('secret');
    });
  });
});
