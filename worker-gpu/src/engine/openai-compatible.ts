/**
 * The second engine: a Whisper server the customer already runs, spoken to through the OpenAI
 * transcription API (`POST …/v1/audio/transcriptions`, multipart): OpenAI itself, speaches /
 * faster-whisper-server, whisper.cpp's server (`--inference-path /v1/audio/transcriptions`), and
 * others that copy the API. Each PCM chunk the pipeline hands over is sent as a 16 kHz mono WAV
 * with `response_format=verbose_json`; the answer's segments (seconds) become the interface's
 * (ms). See docs/decisions/1607-openai-compatible-engine.md.
 *
 * Failures: 400/401/403/404/413/415/422 (and other 4xx) are the configuration's or the request's
 * fault and throw a PermanentError (the job fails once with that reason); 408/425/429, 5xx and
 * network errors are retried here a few times (Retry-After honoured up to maxRetryDelayMs), then
 * thrown as a retryable error for the job's own backoff; a timeout is thrown at once as retryable.
 * The key never appears in a message: the server's own text is kept only for other statuses, with
 * anything key-like removed.
 */
import { z } from 'zod';
import { encodeWav, SAMPLE_RATE } from '../audio/wav';
import { PermanentError } from '../errors';
import { toLanguageCode } from './languages';
import {
  AbortedError,
  type EngineSegment,
  type EngineWord,
  type TranscribeOptions,
  type TranscribeOutput,
  type Transcriber,
} from './transcriber';

/** Everything the engine needs, as plain data (the per-job settings can build one per job). */
export interface OpenAiCompatibleOptions {
  /** The transcription endpoint, e.g. http://whisper:8000/v1/audio/transcriptions. */
  url: string;
  /** Sent as `model`; also what the transcripts record. */
  model: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string | null;
  /** One request, upload to last byte of the answer. */
  timeoutMs: number;
  /** Tries per chunk for 429/5xx/network errors (1 = no retry here). */
  maxAttempts: number;
  /** Longest wait between tries; a longer Retry-After is left to the job's own retry. */
  maxRetryDelayMs: number;
  /** Ask for `timestamp_granularities[]=word` too. */
  wordTimestamps?: boolean;
  /** Sent as `temperature` (0: the server's own fallback, where it has one). */
  temperature?: number;
  /** First wait between tries, doubled each time (default 500 ms). */
  retryBaseDelayMs?: number;
  /** Where the key is set, named in a 401/403 message (default WHISPER_API_KEY). */
  keySource?: string;
}

export const OPENAI_COMPATIBLE_ENGINE = 'openai-compatible';

/** A retryable failure of the API (thrown as is: BullMQ retries the job with its backoff). */
export class WhisperApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'WhisperApiError';
  }
}

/** The API refused the request or answered something unusable: retrying will not help. */
export class WhisperApiRejectedError extends PermanentError {
  constructor(
    message: string,
    code: 'whisper_api_rejected' | 'whisper_api_bad_response',
    readonly status: number | null,
  ) {
    super(message, code);
    this.name = 'WhisperApiRejectedError';
  }
}

const Word = z.object({
  word: z.string(),
  start: z.number().finite(),
  end: z.number().finite(),
  probability: z.number().finite().optional(),
});
const Segment = z.object({
  start: z.number().finite(),
  end: z.number().finite(),
  text: z.string(),
  words: z.array(Word).nullish(),
});
const Verbose = z.object({
  language: z.string().nullish(),
  segments: z.array(Segment),
  words: z.array(Word).nullish(),
});

/** The server's message, short, without control characters or anything that looks like a key. */
function serverMessage(body: string, key: string | null | undefined): string {
  let msg = body;
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    const e = j.error;
    if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string')
      msg = (e as { message: string }).message;
    else if (typeof e === 'string') msg = e;
    else if (typeof j.detail === 'string') msg = j.detail;
    else if (j.detail !== undefined) msg = JSON.stringify(j.detail);
    else if (typeof j.message === 'string') msg = j.message;
  } catch {
    // not JSON: the text itself
  }
  if (key) msg = msg.split(key).join('[key]');
  msg = msg
    .replace(/\b(sk|key|token)[-_][A-Za-z0-9*_-]{4,}/gi, '[key]')
    .replace(/bearer\s+\S+/gi, 'Bearer [key]')
    // eslint-disable-next-line no-control-regex -- control characters are what is removed
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return msg.length > 200 ? `${msg.slice(0, 200)}…` : msg;
}

/** Retry-After (seconds or HTTP date) or retry-after-ms, in ms; null when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const v = headers.get('retry-after')?.trim();
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Drops U+FFFD (bytes the server could not decode) and counts them, as the interface asks. */
function clean(text: string): { text: string; dropped: number } {
  let dropped = 0;
  const out = text.replace(/\uFFFD/g, () => {
    dropped++;
    return '';
  });
  return { text: out, dropped };
}

export class OpenAiCompatibleTranscriber implements Transcriber {
  readonly engine = OPENAI_COMPATIBLE_ENGINE;
  readonly model: string;
  /** The GPU, if any, is the server's: this worker uses none. */
  readonly gpu = false;
  /** Private field: not enumerable, so the key never comes out of a JSON dump of the engine. */
  readonly #opts: OpenAiCompatibleOptions;
  /** For messages: scheme, host and path only (a query string could hold a secret). */
  readonly endpoint: string;

  private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void>;

  /** `deps.sleep`: how to wait between tries (tests record the waits instead of timing them). */
  constructor(
    opts: OpenAiCompatibleOptions,
    deps: { sleep?: (ms: number, signal?: AbortSignal) => Promise<void> } = {},
  ) {
    this.wait = deps.sleep ?? sleep;
    const u = new URL(opts.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new Error('the Whisper API URL must be http:// or https://');
    this.#opts = { ...opts };
    this.model = opts.model;
    this.endpoint = `${u.origin}${u.pathname}`;
  }

  private form(pcm: Float32Array, opts: TranscribeOptions): FormData {
    const form = new FormData();
    const wav = encodeWav([pcm], SAMPLE_RATE);
    form.append(
      'file',
      // a copy: its own ArrayBuffer, as BlobPart requires under the DOM lib (e2e's type-check)
      new Blob([new Uint8Array(wav)], {
        type: 'audio/wav',
      }),
      'chunk.wav',
    );
    form.append('model', this.#opts.model);
    if (opts.language && opts.language !== 'auto') form.append('language', opts.language);
    if (opts.prompt) form.append('prompt', opts.prompt);
    form.append('temperature', String(this.#opts.temperature ?? 0));
    form.append('response_format', 'verbose_json');
    form.append('timestamp_granularities[]', 'segment');
    if (this.#opts.wordTimestamps) form.append('timestamp_granularities[]', 'word');
    return form;
  }

  async transcribe(pcm: Float32Array, opts: TranscribeOptions): Promise<TranscribeOutput> {
    const o = this.#opts;
    const signal = opts.signal;
    if (signal?.aborted) throw new AbortedError();
    const attempts = Math.max(1, o.maxAttempts);
    let last: WhisperApiError | null = null;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      // one controller per request, fed by the job's signal and a timer, both let go of after
      // (AbortSignal.any on the worker's long-lived signal would keep every request's alive)
      const ctl = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        ctl.abort();
      }, o.timeoutMs);
      const onAbort = () => ctl.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const headers: Record<string, string> = { accept: 'application/json' };
      if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
      let status: number;
      let body: string;
      let resHeaders: Headers;
      try {
        const res = await fetch(o.url, {
          method: 'POST',
          headers,
          body: this.form(pcm, opts),
          signal: ctl.signal,
        });
        status = res.status;
        resHeaders = res.headers;
        body = await res.text();
      } catch (err) {
        if (signal?.aborted) throw new AbortedError();
        if (timedOut) {
          throw new WhisperApiError(
            `the Whisper API at ${this.endpoint} did not answer within ${o.timeoutMs} ms`,
            null,
          );
        }
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        last = new WhisperApiError(
          `the Whisper API at ${this.endpoint} could not be reached: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
          null,
        );
        if (attempt < attempts) await this.wait(this.backoff(attempt), signal);
        continue;
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
      if (status >= 200 && status < 300) {
        const out = this.parse(body, opts);
        opts.onProgress?.(100);
        return out;
      }
      const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
      if (!retryable) throw this.rejected(status, body);
      last = new WhisperApiError(
        `the Whisper API at ${this.endpoint} answered HTTP ${status}: ${serverMessage(body, o.apiKey)}`,
        status,
      );
      if (attempt === attempts) break;
      const asked = retryAfterMs(resHeaders);
      if (asked !== null && asked > o.maxRetryDelayMs) {
        throw new WhisperApiError(
          `${last.message} (asks to retry after ${Math.ceil(asked / 1000)} s: left to the job's retry)`,
          status,
        );
      }
      await this.wait(asked ?? this.backoff(attempt), signal);
    }
    throw new WhisperApiError(`${last!.message} (after ${attempts} tries)`, last!.status);
  }

  private backoff(attempt: number): number {
    const base = this.#opts.retryBaseDelayMs ?? 500;
    return Math.min(this.#opts.maxRetryDelayMs, base * 2 ** (attempt - 1));
  }

  private rejected(status: number, body: string): WhisperApiRejectedError {
    const at = `the Whisper API at ${this.endpoint}`;
    const where = this.#opts.keySource ?? 'WHISPER_API_KEY';
    let message: string;
    if (status === 401) message = `${at} refused the API key (HTTP 401): check ${where}`;
    else if (status === 403)
      message = `${at} refused access (HTTP 403): check ${where} and what the key may use`;
    else if (status === 404)
      message = `${at} answered HTTP 404: no transcription endpoint at this URL, or no model "${this.model}" there (${serverMessage(body, this.#opts.apiKey)})`;
    else
      message = `${at} rejected the request (HTTP ${status}): ${serverMessage(body, this.#opts.apiKey)}`;
    return new WhisperApiRejectedError(message, 'whisper_api_rejected', status);
  }

  private parse(body: string, opts: TranscribeOptions): TranscribeOutput {
    const bad = (why: string) =>
      new WhisperApiRejectedError(
        `the Whisper API at ${this.endpoint} answered ${why}`,
        'whisper_api_bad_response',
        200,
      );
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw bad(
        `something that is not JSON (${body.length} bytes starting "${serverMessage(body.slice(0, 40), this.#opts.apiKey)}")`,
      );
    }
    const parsed = Verbose.safeParse(json);
    if (!parsed.success) {
      const noSegments =
        !json ||
        typeof json !== 'object' ||
        !Array.isArray((json as { segments?: unknown }).segments);
      throw bad(
        noSegments
          ? 'without segments: it does not seem to support response_format=verbose_json'
          : `segments that do not fit the verbose_json format (${parsed.error.issues
              .slice(0, 3)
              .map((i) => `${i.path.join('.')}: ${i.message}`)
              .join('; ')})`,
      );
    }
    const v = parsed.data;
    let dropped = 0;
    const toWord = (w: z.infer<typeof Word>): EngineWord => {
      const c = clean(w.word);
      dropped += c.dropped;
      const startMs = Math.max(0, Math.round(w.start * 1000));
      const word: EngineWord = {
        text: c.text,
        startMs,
        endMs: Math.max(startMs, Math.round(w.end * 1000)),
      };
      if (w.probability !== undefined) word.probability = w.probability;
      return word;
    };
    const topWords = v.words?.map(toWord) ?? [];
    const segments: EngineSegment[] = v.segments.map((s) => {
      const c = clean(s.text);
      dropped += c.dropped;
      const startMs = Math.max(0, Math.round(s.start * 1000));
      const seg: EngineSegment = {
        startMs,
        endMs: Math.max(startMs, Math.round(s.end * 1000)),
        text: c.text,
      };
      const own = s.words?.map(toWord);
      const words =
        own && own.length
          ? own
          : topWords.filter((w) => {
              const mid = (w.startMs + w.endMs) / 2;
              return mid >= seg.startMs && mid <= seg.endMs;
            });
      if (words.length) seg.words = words;
      return seg;
    });
    const asked = opts.language && opts.language !== 'auto' ? opts.language : null;
    return {
      language: toLanguageCode(v.language) ?? asked ?? 'und',
      segments,
      invalidUtf8Dropped: dropped,
    };
  }

  async close(): Promise<void> {
    // nothing held: each chunk is its own request
  }
}
