/**
 * The OpenAI-compatible engine against the fake Whisper server over real HTTP, with real speech:
 * what it sends (WAV, model, language, prompt, bearer key, verbose_json), how the answer's
 * segments, words and language are mapped, and what each failure becomes (permanent for 401/403/
 * 404/400 and unusable answers; retried for 429/5xx/network; timeout and abort).
 */
import {
  createWhisperApiSim,
  decodeWav as simDecode,
  speechRegions,
  type RunningWhisperApiSim,
  type WhisperApiSim,
  type WhisperApiSimOptions,
} from '@cwn/whisper-api-sim';
import { eventually } from '@cwn/test-support/eventually';
import { msOf, place, speak } from '@cwn/test-support/worker-speech';
import { encodeWav } from '../src/audio/wav';
import { PermanentError } from '../src/errors';
import {
  OpenAiCompatibleTranscriber,
  retryAfterMs,
  sleep,
  WhisperApiError,
  WhisperApiRejectedError,
  type OpenAiCompatibleOptions,
} from '../src/engine/openai-compatible';
import { AbortedError, type TranscribeOptions } from '../src/engine/transcriber';
import { createTranscriber } from '../src/engine/create';
import { loadConfig } from '../src/config';

jest.setTimeout(30000);

const KEY = 'sk-test-0123456789abcdef';

let pcm: Float32Array;
let firstAt = 0;
let secondAt = 0;
const started: RunningWhisperApiSim[] = [];

beforeAll(() => {
  const a = speak('Good morning, this is the help desk.');
  const b = speak('My printer shows a paper jam.');
  firstAt = 600;
  secondAt = firstAt + msOf(a) + 1500;
  pcm = place(secondAt + msOf(b) + 600, [
    { atMs: firstAt, pcm: a },
    { atMs: secondAt, pcm: b },
  ]);
});

afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

async function serve(
  options: WhisperApiSimOptions = {},
  engine: Partial<OpenAiCompatibleOptions> = {},
): Promise<{
  sim: WhisperApiSim;
  running: RunningWhisperApiSim;
  t: OpenAiCompatibleTranscriber;
  waits: number[];
}> {
  const sim = createWhisperApiSim({ apiKey: KEY, ...options });
  const running = await sim.listen();
  started.push(running);
  const waits: number[] = [];
  const t = new OpenAiCompatibleTranscriber(
    {
      url: running.endpoint,
      model: 'whisper-1',
      apiKey: KEY,
      timeoutMs: 10000,
      maxAttempts: 3,
      maxRetryDelayMs: 2000,
      retryBaseDelayMs: 20,
      ...engine,
    },
    {
      sleep: (ms, signal) => {
        waits.push(ms);
        return sleep(ms, signal);
      },
    },
  );
  return { sim, running, t, waits };
}

const opts = (o: Partial<TranscribeOptions> = {}): TranscribeOptions => ({
  language: 'en',
  beamSize: 5,
  threads: 1,
  ...o,
});

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('OpenAI-compatible engine: requests and mapping', () => {
  it('posts the chunk as a 16 kHz mono WAV with model, language, prompt and the key, and maps verbose_json segments to ms', async () => {
    const { sim, t } = await serve();
    const progress: number[] = [];
    const out = await t.transcribe(
      pcm,
      opts({
        language: 'fr',
        prompt: 'Imprimante HP, NinjaOne',
        onProgress: (p) => progress.push(p),
      }),
    );

    const [req] = sim.requests();
    expect(req).toBeDefined();
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/v1/audio/transcriptions');
    expect(req!.authorization).toBe(`Bearer ${KEY}`);
    expect(req!.fields).toEqual({
      model: ['whisper-1'],
      language: ['fr'],
      prompt: ['Imprimante HP, NinjaOne'],
      temperature: ['0'],
      response_format: ['verbose_json'],
      'timestamp_granularities[]': ['segment'],
    });
    expect(req!.file).toMatchObject({
      field: 'file',
      contentType: 'audio/wav',
      sampleRate: 16000,
      channels: 1,
    });
    expect(req!.file!.durationS! * 1000).toBeCloseTo((pcm.length * 1000) / 16000, 0);

    // the fake's regions for exactly the audio the engine received, in seconds → ms
    const regions = speechRegions(simDecode(encodeWav([pcm])));
    expect(regions).toHaveLength(2);
    expect(out.segments.map((s) => [s.startMs, s.endMs])).toEqual(
      regions.map((r) => [Math.round(r.start * 1000), Math.round(r.end * 1000)]),
    );
    expect(out.segments[0]!.startMs).toBeGreaterThanOrEqual(firstAt - 40);
    expect(out.segments[0]!.endMs).toBeLessThan(secondAt);
    expect(out.segments[1]!.startMs).toBeGreaterThanOrEqual(secondAt - 40);
    expect(out.segments[0]!.text).toMatch(/^ Speech 1 from /);
    expect(out.segments[0]!.words).toBeUndefined();
    // OpenAI answers "french": the interface wants the code
    expect(out.language).toBe('fr');
    expect(out.invalidUtf8Dropped).toBe(0);
    expect(progress).toEqual([100]);
  });

  it('sends no language for auto and maps the detected language, named (OpenAI) or coded (speaches)', async () => {
    const named = await serve({ detectedLanguage: 'de' });
    const a = await named.t.transcribe(pcm, opts({ language: 'auto' }));
    expect(named.sim.requests()[0]!.fields.language).toBeUndefined();
    expect(named.sim.requests()[0]!.fields.prompt).toBeUndefined();
    expect(a.language).toBe('de');

    const coded = await serve({ flavour: 'speaches', detectedLanguage: 'nl' });
    const b = await coded.t.transcribe(pcm, opts({ language: 'auto' }));
    expect(b.language).toBe('nl');
    expect(b.segments).toHaveLength(2);
  });

  it('asks for word timestamps when told, and maps them from the top level (OpenAI) or the segments (whisper.cpp)', async () => {
    const top = await serve({}, { wordTimestamps: true });
    const a = await top.t.transcribe(pcm, opts());
    expect(top.sim.requests()[0]!.fields['timestamp_granularities[]']).toEqual(['segment', 'word']);
    const words = a.segments[0]!.words!;
    expect(words.map((w) => w.text)).toEqual(a.segments[0]!.text.trim().split(' '));
    expect(words[0]!.startMs).toBe(a.segments[0]!.startMs);
    for (const w of words) {
      expect(w.startMs).toBeGreaterThanOrEqual(a.segments[0]!.startMs);
      expect(w.endMs).toBeLessThanOrEqual(a.segments[0]!.endMs);
    }

    const nested = await serve({ flavour: 'whisper.cpp', apiKey: null }, { apiKey: null });
    const b = await nested.t.transcribe(pcm, opts());
    expect(nested.sim.requests()[0]!.authorization).toBeNull();
    expect(b.segments[1]!.words![0]).toMatchObject({ probability: 0.9 });
    expect(b.language).toBe('en');
  });
});

describe('OpenAI-compatible engine: failures', () => {
  it('401: a permanent error naming WHISPER_API_KEY, never the key, after one request', async () => {
    const wrong = 'sk-wrong-key-9876543210';
    const { sim, t } = await serve({}, { apiKey: wrong });
    const err = await failure(t.transcribe(pcm, opts()));
    expect(err).toBeInstanceOf(WhisperApiRejectedError);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('whisper_api_rejected');
    expect(err.message).toMatch(/HTTP 401.*WHISPER_API_KEY/);
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain('9876');
    expect(sim.requests()).toHaveLength(1);
    // the fake did answer with OpenAI's masked-key message
    expect(sim.requests()[0]!.outcome).toBe('bad_key');
  });

  it('403 (speaches without a key), 404 (unknown model) and 400 (bad request) are permanent too', async () => {
    const forbidden = await serve({ flavour: 'speaches' }, { apiKey: null });
    const e403 = await failure(forbidden.t.transcribe(pcm, opts()));
    expect(e403).toBeInstanceOf(WhisperApiRejectedError);
    expect(e403.message).toMatch(/HTTP 403/);

    const model = await serve({}, { model: 'large-v9' });
    const e404 = await failure(model.t.transcribe(pcm, opts()));
    expect(e404).toBeInstanceOf(WhisperApiRejectedError);
    expect(e404.message).toMatch(/HTTP 404.*"large-v9".*does not exist/);
    expect(model.sim.requests()).toHaveLength(1);

    const lang = await serve();
    const e400 = await failure(lang.t.transcribe(pcm, opts({ language: 'xx' })));
    expect(e400).toBeInstanceOf(WhisperApiRejectedError);
    expect(e400.message).toMatch(/HTTP 400.*Invalid language 'xx'/);
  });

  it('429 with Retry-After, then success: retried after the asked delay, same request', async () => {
    const { sim, t, waits } = await serve();
    sim.injectFault({ status: 429, retryAfter: 1 });
    const out = await t.transcribe(pcm, opts({ prompt: 'vocabulary' }));
    expect(out.segments).toHaveLength(2);
    const reqs = sim.requests();
    expect(reqs.map((r) => r.status)).toEqual([429, 200]);
    expect(reqs[1]!.fields).toEqual(reqs[0]!.fields);
    expect(reqs[1]!.file!.bytes).toBe(reqs[0]!.file!.bytes);
    expect(waits).toEqual([1000]);
  });

  it('a Retry-After longer than allowed is left to the job: a retryable error at once', async () => {
    const { sim, t } = await serve();
    sim.injectFault({ status: 429, retryAfter: 120 });
    const err = await failure(t.transcribe(pcm, opts()));
    expect(err).toBeInstanceOf(WhisperApiError);
    expect(err).not.toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/HTTP 429.*Rate limit.*retry after 120 s/);
    expect(sim.requests()).toHaveLength(1);
  });

  it('5xx every time: retryable error after maxAttempts tries; a reset connection is retried', async () => {
    const { sim, t, waits } = await serve();
    sim.injectFault({ status: 503, times: 3 });
    const err = await failure(t.transcribe(pcm, opts()));
    expect(err).toBeInstanceOf(WhisperApiError);
    expect(err).not.toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/HTTP 503.*after 3 tries/);
    expect(sim.requests()).toHaveLength(3);
    // no Retry-After: doubling from the base delay
    expect(waits).toEqual([20, 40]);

    sim.clearRequests();
    sim.injectFault({ kind: 'reset' });
    const out = await t.transcribe(pcm, opts());
    expect(out.segments).toHaveLength(2);
    expect(sim.requests().map((r) => r.outcome)).toEqual(['reset', 'ok']);
  });

  it('a server slower than the timeout: a retryable timeout error, the request given up', async () => {
    const { sim, t } = await serve({ delayMs: 20000 }, { timeoutMs: 2000 });
    const err = await failure(t.transcribe(pcm, opts()));
    expect(err).toBeInstanceOf(WhisperApiError);
    expect(err).not.toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/did not answer within 2000 ms/);
    expect(sim.requests()).toHaveLength(1);
    await eventually('the fake sees the client gone', () => sim.inFlight() === 0);
    expect(sim.requests()[0]!.outcome).toBe('client_gone');
  });

  it('abort: the request in flight is cancelled and AbortedError thrown', async () => {
    // a timeout longer than the test's: only the abort can end the request in time
    const { sim, t } = await serve({}, { timeoutMs: 120_000 });
    sim.injectFault({ kind: 'hang' });
    const ctl = new AbortController();
    const p = failure(t.transcribe(pcm, opts({ signal: ctl.signal })));
    await eventually('the request reaches the fake', () => sim.requests()[0]?.outcome === 'hang');
    ctl.abort();
    expect(await p).toBeInstanceOf(AbortedError);
    await eventually('the fake sees the client gone', () => sim.inFlight() === 0);
    // already aborted: nothing is sent
    await expect(t.transcribe(pcm, opts({ signal: ctl.signal }))).rejects.toBeInstanceOf(
      AbortedError,
    );
    expect(sim.requests()).toHaveLength(1);
  });

  it('malformed JSON, an answer without segments, or HTML: a clear permanent error', async () => {
    const { sim, t } = await serve();
    sim.injectFault({ kind: 'malformed-json' });
    const a = await failure(t.transcribe(pcm, opts()));
    expect(a).toBeInstanceOf(WhisperApiRejectedError);
    expect((a as PermanentError).code).toBe('whisper_api_bad_response');
    expect(a.message).toMatch(/not JSON/);

    sim.injectFault({ kind: 'no-segments' });
    const b = await failure(t.transcribe(pcm, opts()));
    expect(b.message).toMatch(/without segments.*verbose_json/);

    sim.injectFault({ kind: 'html' });
    const c = await failure(t.transcribe(pcm, opts()));
    expect(c.message).toMatch(/not JSON.*<html>/);
    expect(sim.requests()).toHaveLength(3);
  });

  it('a server message that echoes the key is kept without it (400 and 5xx)', async () => {
    const { sim, t } = await serve({}, { maxAttempts: 1 });
    const echo = {
      error: { message: `request from ${KEY} refused`, type: 'x', param: null, code: null },
    };
    sim.injectFault({ status: 400, body: echo });
    const a = await failure(t.transcribe(pcm, opts()));
    expect(a.message).toMatch(/\(HTTP 400\): request from \[key\] refused/);
    sim.injectFault({ status: 502, body: { detail: `upstream said Bearer ${KEY}` } });
    const b = await failure(t.transcribe(pcm, opts()));
    expect(b).toBeInstanceOf(WhisperApiError);
    expect(b.message).toMatch(/HTTP 502: upstream said Bearer \[key\]/);
    for (const e of [a, b]) expect(e.message).not.toContain(KEY.slice(3));
  });

  it('the key stays out of a JSON dump of the engine', async () => {
    const { t } = await serve();
    expect(JSON.stringify(t)).not.toContain(KEY);
  });
});

describe('engine choice', () => {
  it('WHISPER_ENGINE=openai builds the API engine from the environment and logs no key', async () => {
    const config = loadConfig({
      SERVER_INTERNAL_URL: 'http://server:3000',
      WORKER_TOKEN: 'secret-token',
      WHISPER_ENGINE: 'openai',
      WHISPER_API_URL: 'http://whisper:8000/v1',
      WHISPER_API_MODEL: 'Systran/faster-whisper-small',
      WHISPER_API_KEY: KEY,
    });
    const lines: unknown[] = [];
    const engine = await createTranscriber(config, (msg, extra) => lines.push({ msg, extra }));
    expect(engine).toBeInstanceOf(OpenAiCompatibleTranscriber);
    expect(engine).toMatchObject({
      engine: 'openai-compatible',
      model: 'Systran/faster-whisper-small',
      gpu: false,
      endpoint: 'http://whisper:8000/v1/audio/transcriptions',
    });
    expect(lines).toEqual([
      {
        msg: 'using a Whisper server',
        extra: expect.objectContaining({ key: 'set' }),
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain(KEY);
    await engine.close();
  });
});

describe('retryAfterMs', () => {
  it('reads seconds, an HTTP date and retry-after-ms', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(
      5000,
    );
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(
      250,
    );
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeNull();
    expect(retryAfterMs(new Headers(), now)).toBeNull();
  });
});
