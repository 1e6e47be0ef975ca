/**
 * The fake Whisper server over real HTTP: segments follow the audio it receives, the documented
 * response formats and timestamp granularity rules, each flavour's quirks, auth, limits and faults.
 */
import { createWhisperApiSim, type RunningWhisperApiSim, type WhisperApiSimOptions } from './sim';

const RATE = 16000;
const started: RunningWhisperApiSim[] = [];
afterAll(() => Promise.all(started.map((s) => s.close())));

/** 16-bit PCM WAV: silence with 440 Hz bursts at the given [start, end] seconds. */
function wav(totalS: number, bursts: Array<[number, number]>, channels = 1, rate = RATE): Buffer {
  const n = Math.round(totalS * rate);
  const out = Buffer.alloc(44 + n * 2 * channels);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + n * 2 * channels, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2 * channels, 28);
  out.writeUInt16LE(2 * channels, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(n * 2 * channels, 40);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const on = bursts.some(([a, b]) => t >= a && t < b);
    const v = on ? Math.round(Math.sin(2 * Math.PI * 440 * t) * 9000) : 0;
    for (let c = 0; c < channels; c++) out.writeInt16LE(v, 44 + (i * channels + c) * 2);
  }
  return out;
}

async function start(options: WhisperApiSimOptions = {}) {
  const sim = createWhisperApiSim(options);
  const running = await sim.listen();
  started.push(running);
  const post = async (
    fields: Record<string, string | string[]>,
    file: Buffer | null = wav(4, [
      [0.5, 1.5],
      [2.5, 3],
    ]),
    headers: Record<string, string> = {},
  ) => {
    const form = new FormData();
    if (file) form.append('file', new Blob([new Uint8Array(file)], { type: 'audio/wav' }), 'a.wav');
    for (const [k, v] of Object.entries(fields))
      for (const one of Array.isArray(v) ? v : [v]) form.append(k, one);
    const res = await fetch(running.endpoint, { method: 'POST', body: form, headers });
    const text = await res.text();
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return { sim, running, post };
}

describe('whisper API simulator', () => {
  it('answers verbose_json with one segment per speech region, in seconds, OpenAI style', async () => {
    const { post, sim } = await start();
    const r = await post({ model: 'whisper-1', response_format: 'verbose_json', language: 'fr' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ task: 'transcribe', language: 'french', duration: 4 });
    const segs = r.json!.segments as Array<Record<string, unknown>>;
    expect(segs.map((s) => [s.start, s.end])).toEqual([
      [0.5, 1.5],
      [2.5, 3],
    ]);
    expect(Object.keys(segs[0]!).sort()).toEqual(
      [
        'avg_logprob',
        'compression_ratio',
        'end',
        'id',
        'no_speech_prob',
        'seek',
        'start',
        'temperature',
        'text',
        'tokens',
      ].sort(),
    );
    expect(segs[0]!.text).toBe(' Speech 1 from 0.50 to 1.50 seconds.');
    expect(r.json!.text).toBe(`${String(segs[0]!.text)}${String(segs[1]!.text)}`);
    expect(r.json!.words).toBeUndefined();
    expect(sim.requests()[0]!.file).toMatchObject({
      sampleRate: 16000,
      channels: 1,
      bytes: 128044,
    });
  });

  it('mixes stereo and other rates down, and follows text from the configured function', async () => {
    const { post } = await start({ text: (s) => ` [${s.language}] ${s.prompt ?? ''} #${s.index}` });
    const r = await post(
      { model: 'whisper-1', response_format: 'verbose_json', prompt: 'NinjaOne' },
      wav(2, [[1, 1.5]], 2, 8000),
    );
    const segs = r.json!.segments as Array<{ start: number; end: number; text: string }>;
    expect(segs).toEqual([
      expect.objectContaining({ start: 1, end: 1.5, text: ' [en] NinjaOne #0' }),
    ]);
  });

  it('json, text, srt and vtt formats', async () => {
    const { post } = await start();
    expect((await post({ model: 'whisper-1' })).json).toEqual({
      text: ' Speech 1 from 0.50 to 1.50 seconds. Speech 2 from 2.50 to 3.00 seconds.',
      usage: { type: 'duration', seconds: 4 },
    });
    expect((await post({ model: 'whisper-1', response_format: 'text' })).text).toMatch(
      /^ Speech 1/,
    );
    expect((await post({ model: 'whisper-1', response_format: 'srt' })).text).toMatch(
      /^1\n00:00:00,500 --> 00:00:01,500\nSpeech 1/,
    );
    expect((await post({ model: 'whisper-1', response_format: 'vtt' })).text).toMatch(
      /^WEBVTT\n\n00:00:00\.500 --> 00:00:01\.500\n/,
    );
    expect((await post({ model: 'whisper-1', response_format: 'xml' })).status).toBe(400);
  });

  it("OpenAI's timestamp granularity rules", async () => {
    const { post } = await start();
    const words = await post({
      model: 'whisper-1',
      response_format: 'verbose_json',
      'timestamp_granularities[]': ['word'],
    });
    expect(words.json!.segments).toBeUndefined();
    expect((words.json!.words as unknown[]).length).toBe(14);
    const both = await post({
      model: 'whisper-1',
      response_format: 'verbose_json',
      'timestamp_granularities[]': ['segment', 'word'],
    });
    expect(both.json!.segments).toHaveLength(2);
    expect((both.json!.words as Array<{ start: number }>)[0]!.start).toBe(0.5);
    const json = await post({ model: 'whisper-1', 'timestamp_granularities[]': 'word' });
    expect(json.status).toBe(400);
    // gpt-4o-transcribe answers json only
    const gpt = await start({ models: ['gpt-4o-transcribe'] });
    expect(
      (await gpt.post({ model: 'gpt-4o-transcribe', response_format: 'verbose_json' })).json,
    ).toMatchObject({ error: { message: expect.stringMatching(/not compatible/) } });
    expect((await gpt.post({ model: 'gpt-4o-transcribe' })).status).toBe(200);
  });

  it('speaches: ISO language codes, words fields, 403 for a missing or wrong key, 415 for undecodable audio', async () => {
    const { post } = await start({ flavour: 'speaches', apiKey: 'k1' });
    expect(await post({ response_format: 'verbose_json' })).toMatchObject({
      status: 403,
      json: { detail: 'Not authenticated' },
    });
    const auth = { authorization: 'Bearer k1' };
    expect((await post({}, undefined, { authorization: 'Bearer k2' })).status).toBe(403);
    const r = await post({ response_format: 'verbose_json', language: 'de' }, undefined, auth);
    expect(r.json).toMatchObject({ language: 'de', words: null });
    expect((r.json!.segments as Array<{ words: unknown }>)[0]!.words).toBeNull();
    const bad = await post({}, Buffer.from('ID3 not a wav at all'), auth);
    expect(bad).toMatchObject({ status: 415, json: { detail: expect.stringMatching(/decode/) } });
  });

  it('whisper.cpp: ignores the model, words in every verbose segment, string errors', async () => {
    const { post } = await start({ flavour: 'whisper.cpp', path: '/inference' });
    const r = await post({ model: 'anything', response_format: 'verbose_json' });
    expect(r.json).toMatchObject({ language: 'english', detected_language: 'english' });
    const seg = (r.json!.segments as Array<{ words: Array<Record<string, number>> }>)[0]!;
    expect(seg.words[0]).toMatchObject({ start: 0.5, probability: 0.9 });
    const bad = await post({}, Buffer.from('nope'));
    expect(bad).toMatchObject({ status: 400, json: { error: 'failed to read audio data' } });
  });

  it('OpenAI errors: bad key (masked), no model, unknown model, no file, bad language, too large', async () => {
    const key = 'sk-proj-abcdefghijklmnop1234';
    const { post } = await start({ apiKey: key, maxFileBytes: 50000 });
    const bearer = { authorization: `Bearer ${key}` };
    const wrong = await post({ model: 'whisper-1' }, undefined, {
      authorization: 'Bearer sk-other-0000999',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({
      error: { code: 'invalid_api_key', type: 'invalid_request_error' },
    });
    expect(wrong.text).not.toContain('sk-other-0000999');
    expect((await post({ model: 'whisper-1' })).status).toBe(401);
    const small = wav(1, [[0.2, 0.6]]);
    expect((await post({}, small, bearer)).status).toBe(400);
    expect(await post({ model: 'large-v9' }, small, bearer)).toMatchObject({
      status: 404,
      json: { error: { code: 'model_not_found' } },
    });
    expect((await post({ model: 'whisper-1' }, null, bearer)).status).toBe(400);
    expect((await post({ model: 'whisper-1', language: 'klingon' }, small, bearer)).status).toBe(
      400,
    );
    expect((await post({ model: 'whisper-1' }, undefined, bearer)).status).toBe(413);
    expect((await post({ model: 'whisper-1' }, small, bearer)).status).toBe(200);
  });

  it('faults: 429 with Retry-After for N requests, malformed JSON, no segments, reset; slow mode', async () => {
    const { post, sim, running } = await start();
    sim.injectFault({ status: 429, retryAfter: 7, times: 2 });
    const a = await post({ model: 'whisper-1' });
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('7');
    expect(a.json).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    expect((await post({ model: 'whisper-1' })).status).toBe(429);
    expect((await post({ model: 'whisper-1' })).status).toBe(200);

    sim.injectFault({ kind: 'malformed-json' });
    const m = await post({ model: 'whisper-1', response_format: 'verbose_json' });
    expect(m.status).toBe(200);
    expect(m.json).toBeNull();
    sim.injectFault({ kind: 'no-segments' });
    expect(
      (await post({ model: 'whisper-1', response_format: 'verbose_json' })).json!.segments,
    ).toBeUndefined();
    sim.injectFault({ kind: 'reset' });
    await expect(post({ model: 'whisper-1' })).rejects.toThrow();

    // slow mode: a client that gives up first gets nothing, and the fake notes it left
    sim.configure({ delayMs: 20000 });
    const before = sim.requests().length;
    const form = new FormData();
    form.append('model', 'whisper-1');
    form.append('file', new Blob([new Uint8Array(wav(1, [[0.2, 0.6]]))]), 'a.wav');
    const ctl = new AbortController();
    const slow = fetch(running.endpoint, { method: 'POST', body: form, signal: ctl.signal });
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 500 && !what(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(what()).toBe(true);
    };
    await until(() => sim.requests()[before]?.fields.model?.[0] === 'whisper-1');
    ctl.abort();
    await expect(slow).rejects.toThrow();
    await until(() => sim.inFlight() === 0);
    expect(sim.requests()[before]!.outcome).toBe('client_gone');
  });
});
