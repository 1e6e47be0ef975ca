/**
 * A fake OpenAI-compatible Whisper server over real HTTP (see the package README.md): the
 * `POST /v1/audio/transcriptions` of OpenAI's API, speaches/faster-whisper-server and whisper.cpp's
 * server (`--inference-path`), with each one's quirks chosen by `flavour`. It decodes the WAV it
 * receives and answers one segment per energy-detected speech region, with placeholder text, so
 * timestamps follow the audio; faults, a slow mode and a bearer key are switches.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import busboy from 'busboy';
import {
  AudioFormatError,
  decodeWav,
  DEFAULT_SPEECH,
  speechRegions,
  type HeardAudio,
  type SpeechOptions,
} from './audio';
import { isWhisperLanguage, languageName } from './languages';

/**
 * Whose behaviour to reproduce where they differ:
 * - `openai`: errors `{"error":{message,type,param,code}}`, bad key 401 `invalid_api_key`,
 *   `language` as an English name, `model` required, `timestamp_granularities[]=word` only with
 *   `verbose_json` (else 400), `["word"]` alone gives words and no segments;
 * - `speaches` (faster-whisper-server): errors `{"detail": …}`, bad or missing key 403, `language`
 *   as the ISO code, `model` optional, segments carry `words` (null unless asked) and so does the
 *   top level, an undecodable file 415;
 * - `whisper.cpp`: errors `{"error": "…"}`, `model` ignored, `language` as an English name,
 *   `timestamp_granularities[]` ignored and every verbose segment carries its `words`.
 */
export type Flavour = 'openai' | 'speaches' | 'whisper.cpp';

export interface SegmentTextInput {
  index: number;
  start: number;
  end: number;
  language: string;
  prompt: string | null;
  model: string | null;
}

export interface WhisperApiSimConfig {
  flavour: Flavour;
  /** The bearer key every request must carry; null: no authentication. */
  apiKey: string | null;
  /** Models the server serves (unknown → 404); null: any name is accepted. */
  models: string[] | null;
  /** The transcription route. */
  path: string;
  /** What "detection" finds when the request names no language. */
  detectedLanguage: string;
  /** Text of each segment (deterministic); default `Speech <n> from <start> to <end> seconds.` */
  text: ((s: SegmentTextInput) => string) | null;
  /** Slow mode: every transcription answers after this many ms. */
  delayMs: number;
  /** Larger files → 413 (OpenAI's limit is 25 MB). */
  maxFileBytes: number;
  speech: SpeechOptions;
}

export type WhisperApiSimOptions = Partial<Omit<WhisperApiSimConfig, 'speech'>> & {
  speech?: Partial<SpeechOptions>;
};

/**
 * A misbehaviour for the next transcription request(s), after the request was read:
 * - `status`: answer `status` with `body` (default: the flavour's error body) and `retryAfter`;
 * - `malformed-json`: 200 `application/json` cut in the middle;
 * - `no-segments`: 200 with `{text, language, duration}` only (a server that ignored verbose_json);
 * - `html`: 200 `text/html` (a proxy's login page);
 * - `hang`: never answer (until the client gives up);
 * - `reset`: close the connection without an answer.
 */
export interface FaultSpec {
  kind?: 'status' | 'malformed-json' | 'no-segments' | 'html' | 'hang' | 'reset';
  status?: number;
  body?: unknown;
  /** Retry-After header value (seconds, or an HTTP date). */
  retryAfter?: string | number;
  headers?: Record<string, string>;
  /** How many requests it applies to (default 1). */
  times?: number;
}

export interface JournalEntry {
  at: string;
  method: string;
  path: string;
  /** The Authorization header as received, or null. */
  authorization: string | null;
  /** Every non-file form field; repeated names (timestamp_granularities[]) keep all values. */
  fields: Record<string, string[]>;
  file: {
    field: string;
    filename: string;
    contentType: string;
    bytes: number;
    sampleRate?: number;
    channels?: number;
    durationS?: number;
  } | null;
  /** The status answered; 0 when nothing was (hang, reset, client gone). */
  status: number;
  /** 'ok', a fault kind, or why the request was refused. */
  outcome: string;
}

export interface RunningWhisperApiSim {
  url: string;
  /** The transcription endpoint's full URL. */
  endpoint: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export interface WhisperApiSim {
  config(): WhisperApiSimConfig;
  configure(patch: WhisperApiSimOptions): WhisperApiSimConfig;
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  requests(): JournalEntry[];
  clearRequests(): void;
  /** Requests being answered now (slow mode, hang). */
  inFlight(): number;
  listen(port?: number, host?: string): Promise<RunningWhisperApiSim>;
}

export const DEFAULT_CONFIG: Omit<WhisperApiSimConfig, 'speech'> = {
  flavour: 'openai',
  apiKey: null,
  models: ['whisper-1'],
  path: '/v1/audio/transcriptions',
  detectedLanguage: 'en',
  text: null,
  delayMs: 0,
  maxFileBytes: 25 * 1024 * 1024,
};

const FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt'];

class Refusal {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly outcome: string,
  ) {}
}

function errorBody(flavour: Flavour, status: number, message: string, code: string | null) {
  if (flavour === 'speaches') return { detail: message };
  if (flavour === 'whisper.cpp') return { error: message };
  const type =
    status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code } };
}

function maskKey(key: string): string {
  return key.length <= 8 ? '****' : `${key.slice(0, 3)}${'*'.repeat(8)}${key.slice(-4)}`;
}

function defaultText(s: SegmentTextInput): string {
  return ` Speech ${s.index + 1} from ${s.start.toFixed(2)} to ${s.end.toFixed(2)} seconds.`;
}

function words(text: string, start: number, end: number) {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  const total = parts.reduce((a, w) => a + w.length, 0) || 1;
  let at = start;
  return parts.map((w) => {
    const len = ((end - start) * w.length) / total;
    const out = { word: w, start: round(at), end: round(at + len) };
    at += len;
    return out;
  });
}

const round = (s: number) => Math.round(s * 100) / 100;

function stamp(s: number, sep: ',' | '.'): string {
  const ms = Math.round(s * 1000);
  const h = Math.floor(ms / 3600000);
  const m = Math.floor(ms / 60000) % 60;
  const sec = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(sec)}${sep}${pad(ms % 1000, 3)}`;
}

interface ParsedRequest {
  fields: Record<string, string[]>;
  file: { field: string; filename: string; contentType: string; data: Buffer } | null;
  tooLarge: boolean;
}

function readMultipart(req: IncomingMessage, maxFileBytes: number): Promise<ParsedRequest> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: maxFileBytes, fields: 100 } });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const out: ParsedRequest = { fields: {}, file: null, tooLarge: false };
    bb.on('field', (name, value) => {
      (out.fields[name] ??= []).push(value);
    });
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        out.tooLarge = true;
      });
      stream.on('end', () => {
        if (!out.file)
          out.file = {
            field: name,
            filename: info.filename ?? '',
            contentType: info.mimeType,
            data: Buffer.concat(chunks),
          };
      });
    });
    bb.on('close', () => resolve(out));
    bb.on('error', (err) => reject(err instanceof Error ? err : new Error(String(err))));
    req.pipe(bb);
  });
}

export function createWhisperApiSim(options: WhisperApiSimOptions = {}): WhisperApiSim {
  const { speech, ...rest } = options;
  const config: WhisperApiSimConfig = {
    ...DEFAULT_CONFIG,
    ...rest,
    speech: { ...DEFAULT_SPEECH, ...speech },
  };
  let faults: Array<FaultSpec & { remaining: number }> = [];
  let journal: JournalEntry[] = [];
  let inFlight = 0;
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
    res.writeHead(status, { 'content-type': type, ...headers }).end(text);
  };

  function authorize(req: IncomingMessage): Refusal | null {
    if (config.apiKey === null) return null;
    const header = req.headers.authorization;
    const m = header ? /^bearer\s+(.+)$/i.exec(header.trim()) : null;
    const f = config.flavour;
    if (!m) {
      if (f === 'speaches') return new Refusal(403, { detail: 'Not authenticated' }, 'no_key');
      return new Refusal(
        401,
        errorBody(
          f,
          401,
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          null,
        ),
        'no_key',
      );
    }
    if (m[1] !== config.apiKey) {
      if (f === 'speaches') return new Refusal(403, { detail: 'Forbidden' }, 'bad_key');
      return new Refusal(
        401,
        errorBody(f, 401, `Incorrect API key provided: ${maskKey(m[1]!)}.`, 'invalid_api_key'),
        'bad_key',
      );
    }
    return null;
  }

  function transcribe(p: ParsedRequest): { status: number; body: unknown; outcome: string } {
    const f = config.flavour;
    const refuse = (status: number, message: string, code: string | null, outcome: string) =>
      new Refusal(status, errorBody(f, status, message, code), outcome);
    const one = (name: string) => p.fields[name]?.[0];
    if (p.tooLarge)
      throw refuse(
        413,
        `Maximum content size limit (${config.maxFileBytes}) exceeded.`,
        null,
        'too_large',
      );
    if (!p.file) throw refuse(400, "'file' is a required property", null, 'no_file');
    const model = one('model') ?? null;
    if (f === 'openai' && !model)
      throw refuse(400, 'you must provide a model parameter', null, 'no_model');
    if (f !== 'whisper.cpp' && model && config.models && !config.models.includes(model)) {
      throw refuse(
        404,
        f === 'openai'
          ? `The model \`${model}\` does not exist or you do not have access to it.`
          : `Model '${model}' not found`,
        'model_not_found',
        'unknown_model',
      );
    }
    const format = one('response_format') ?? 'json';
    if (!FORMATS.includes(format))
      throw refuse(400, `Invalid response_format '${format}'`, null, 'bad_format');
    // OpenAI documents json as the only format of its gpt-4o(-mini)-transcribe models
    if (f === 'openai' && model?.startsWith('gpt-') && format !== 'json')
      throw refuse(
        400,
        `response_format '${format}' is not compatible with model '${model}'. Use 'json'.`,
        'unsupported_value',
        'bad_format',
      );
    const grains = [
      ...(p.fields['timestamp_granularities[]'] ?? []),
      ...(p.fields['timestamp_granularities'] ?? []),
    ];
    if (f !== 'whisper.cpp') {
      for (const g of grains)
        if (g !== 'segment' && g !== 'word')
          throw refuse(400, `Invalid timestamp granularity '${g}'`, null, 'bad_granularity');
      if (f === 'openai' && grains.includes('word') && format !== 'verbose_json')
        throw refuse(
          400,
          'timestamp_granularities requires response_format=verbose_json',
          null,
          'bad_granularity',
        );
    }
    const language = one('language');
    if (language !== undefined && language !== '' && !isWhisperLanguage(language))
      throw refuse(
        400,
        `Invalid language '${language}'. Language parameter must be specified in ISO-639-1 format.`,
        null,
        'bad_language',
      );
    const temperature = Number(one('temperature') ?? '0');
    if (!Number.isFinite(temperature) || temperature < 0 || temperature > 1)
      throw refuse(400, 'temperature must be a number between 0 and 1', null, 'bad_temperature');

    let audio: HeardAudio;
    try {
      audio = decodeWav(p.file.data);
    } catch (err) {
      if (!(err instanceof AudioFormatError)) throw err;
      if (f === 'speaches')
        throw refuse(
          415,
          'Failed to decode audio. The provided file type is not supported.',
          null,
          'bad_audio',
        );
      throw refuse(
        400,
        f === 'openai'
          ? "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']"
          : 'failed to read audio data',
        null,
        'bad_audio',
      );
    }

    const lang = language || config.detectedLanguage;
    const prompt = one('prompt') ?? null;
    const textOf = config.text ?? defaultText;
    const wantWords = f === 'whisper.cpp' || grains.includes('word');
    const segments = speechRegions(audio, config.speech).map((r, i) => {
      const text = textOf({ index: i, start: r.start, end: r.end, language: lang, prompt, model });
      return { ...r, id: i, text, words: words(text, r.start, r.end) };
    });
    const fullText = segments.map((s) => s.text).join('');
    const duration = round(audio.durationS);

    if (format === 'text') return { status: 200, body: fullText, outcome: 'ok' };
    if (format === 'json')
      return {
        status: 200,
        body:
          f === 'openai'
            ? { text: fullText, usage: { type: 'duration', seconds: Math.ceil(duration) } }
            : { text: fullText },
        outcome: 'ok',
      };
    if (format === 'srt' || format === 'vtt') {
      const sep = format === 'srt' ? ',' : '.';
      const cues = segments
        .map(
          (s, i) =>
            `${format === 'srt' ? `${i + 1}\n` : ''}${stamp(s.start, sep)} --> ${stamp(s.end, sep)}\n${s.text.trim()}\n`,
        )
        .join('\n');
      return { status: 200, body: format === 'vtt' ? `WEBVTT\n\n${cues}` : cues, outcome: 'ok' };
    }
    const tokens = (text: string) =>
      text
        .trim()
        .split(/\s+/)
        .map((w) => [...w].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 50000, 7));
    const segmentOut = (s: (typeof segments)[number]) => {
      const base = {
        id: s.id,
        seek: Math.floor(s.start * 100),
        start: s.start,
        end: s.end,
        text: s.text,
        tokens: tokens(s.text),
        temperature,
        avg_logprob: -0.25,
        compression_ratio: 1.2,
        no_speech_prob: 0.02,
      };
      if (f === 'whisper.cpp')
        return { ...base, words: s.words.map((w) => ({ ...w, probability: 0.9 })) };
      if (f === 'speaches')
        return {
          ...base,
          words: wantWords ? s.words.map((w) => ({ ...w, probability: 0.9 })) : null,
        };
      return base;
    };
    const allWords = segments.flatMap((s) => s.words);
    const out: Record<string, unknown> = {
      task: 'transcribe',
      language: f === 'speaches' ? lang : languageName(lang),
      duration,
      text: fullText,
    };
    if (f === 'openai') {
      const onlyWords = grains.length > 0 && grains.every((g) => g === 'word');
      if (!onlyWords) out.segments = segments.map(segmentOut);
      if (wantWords) out.words = allWords;
      out.usage = { type: 'duration', seconds: Math.ceil(duration) };
    } else if (f === 'speaches') {
      out.segments = segments.map(segmentOut);
      out.words = wantWords ? allWords.map((w) => ({ ...w, probability: 0.9 })) : null;
    } else {
      out.segments = segments.map(segmentOut);
      out.detected_language = languageName(lang);
      out.detected_language_probability = 0.97;
    }
    return { status: 200, body: out, outcome: 'ok' };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const entry: JournalEntry = {
      at: new Date().toISOString(),
      method: req.method ?? 'GET',
      path,
      authorization: req.headers.authorization ?? null,
      fields: {},
      file: null,
      status: 0,
      outcome: '',
    };
    const answer = (status: number, body: unknown, outcome: string, headers = {}) => {
      entry.status = status;
      entry.outcome = outcome;
      if (!res.destroyed) send(res, status, body, headers);
    };
    if (req.method === 'GET' && path === '/health') {
      answer(200, 'OK', 'ok');
      return;
    }
    journal.push(entry);
    const denied = authorize(req);
    if (denied) {
      req.resume();
      answer(denied.status, denied.body, denied.outcome);
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const ids = config.models ?? ['whisper-1'];
      answer(
        200,
        {
          object: 'list',
          data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'simulator' })),
        },
        'ok',
      );
      return;
    }
    if (path !== config.path) {
      req.resume();
      answer(404, errorBody(config.flavour, 404, 'Not Found', null), 'no_route');
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      answer(405, errorBody(config.flavour, 405, 'Method Not Allowed', null), 'bad_method');
      return;
    }
    if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
      req.resume();
      answer(
        400,
        errorBody(config.flavour, 400, 'expected a multipart/form-data body', null),
        'not_multipart',
      );
      return;
    }
    let parsed: ParsedRequest;
    try {
      parsed = await readMultipart(req, config.maxFileBytes);
    } catch (err) {
      answer(
        400,
        errorBody(config.flavour, 400, `could not parse the form: ${(err as Error).message}`, null),
        'bad_multipart',
      );
      return;
    }
    entry.fields = parsed.fields;
    if (parsed.file) {
      entry.file = {
        field: parsed.file.field,
        filename: parsed.file.filename,
        contentType: parsed.file.contentType,
        bytes: parsed.file.data.length,
      };
      try {
        const heard = decodeWav(parsed.file.data);
        Object.assign(entry.file, {
          sampleRate: heard.sampleRate,
          channels: heard.channels,
          durationS: heard.durationS,
        });
      } catch {
        // refused below, as the flavour does
      }
    }

    const fault = faults[0];
    if (fault) {
      if (--fault.remaining <= 0) faults.shift();
      const kind = fault.kind ?? 'status';
      entry.outcome = kind;
      if (kind === 'hang') {
        hung.add(res);
        res.on('close', () => hung.delete(res));
        return;
      }
      if (kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (kind === 'malformed-json') {
        entry.status = 200;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"task":"transcribe","language":"english","segments":[{"id":0,"start":0.');
        return;
      }
      if (kind === 'no-segments') {
        answer(200, { text: ' Hello.', language: 'english', duration: 1 }, kind);
        return;
      }
      if (kind === 'html') {
        entry.status = 200;
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<html><body>Please sign in</body></html>');
        return;
      }
      const status = fault.status ?? 500;
      const headers: Record<string, string> = { ...fault.headers };
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      answer(
        status,
        fault.body ??
          errorBody(
            config.flavour,
            status,
            status === 429 ? 'Rate limit reached for requests' : `simulated ${status}`,
            status === 429 ? 'rate_limit_exceeded' : null,
          ),
        `status_${status}`,
        headers,
      );
      return;
    }

    if (config.delayMs > 0) {
      const gone = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), config.delayMs);
        res.on('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (gone) {
        entry.outcome = 'client_gone';
        return;
      }
    }
    try {
      const out = transcribe(parsed);
      answer(out.status, out.body, out.outcome);
    } catch (err) {
      if (err instanceof Refusal) answer(err.status, err.body, err.outcome);
      else answer(500, errorBody(config.flavour, 500, 'internal error', null), 'crash');
    }
  }

  return {
    config: () => ({ ...config, speech: { ...config.speech } }),
    configure: (patch) => {
      const { speech: sp, ...others } = patch;
      Object.assign(config, others);
      if (sp) Object.assign(config.speech, sp);
      return { ...config, speech: { ...config.speech } };
    },
    injectFault: (spec) => {
      faults.push({ ...spec, remaining: spec.times ?? 1 });
    },
    clearFaults: () => {
      faults = [];
    },
    requests: () => journal.map((e) => structuredClone(e)),
    clearRequests: () => {
      journal = [];
    },
    inFlight: () => inFlight,
    listen: (port = 0, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        const server = createServer((req, res) => {
          inFlight++;
          res.on('close', () => inFlight--);
          handle(req, res).catch(() => {
            if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
          });
        });
        server.on('connection', (s) => {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
        });
        server.once('error', reject);
        server.listen(port, host, () => {
          const addr = server.address() as AddressInfo;
          const url = `http://${host}:${addr.port}`;
          resolve({
            url,
            endpoint: url + config.path,
            port: addr.port,
            server,
            close: () =>
              new Promise<void>((done) => {
                for (const r of hung) r.destroy();
                for (const s of sockets) s.destroy();
                server.close(() => done());
              }),
          });
        });
      }),
  };
}
