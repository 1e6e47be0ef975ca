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
});
