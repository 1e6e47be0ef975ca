import { existsSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { OpenAiCompatibleOptions } from './engine/openai-compatible';
import { TEST_MODEL_PATH } from './models/paths';
import { ensureTestModel } from './models/test-model';

const bool = (def: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true/false, got "${v}"` });
      return z.NEVER;
    });

const int = (def: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `expected an integer from ${min} to ${max}, got "${v}"`,
        });
        return z.NEVER;
      }
      return n;
    });

/** A number, or undefined when unset (the default then depends on other variables). */
const optionalNum = (min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a number from ${min} to ${max}, got "${v}"`,
        });
        return z.NEVER;
      }
      return n;
    });

const num = (def: number, min: number, max: number) =>
  optionalNum(min, max).transform((v) => v ?? def);

const str = (def: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? def : v.trim()));

const defaultThreads = Math.max(1, Math.min(8, cpus().length));

export const EnvSchema = z.object({
  REDIS_URL: str('redis://127.0.0.1:6379').pipe(
    z.string().regex(/^rediss?:\/\//, 'expected redis:// or rediss:// URL'),
  ),
  QUEUE_PREFIX: str('cwn').pipe(
    z.string().regex(/^[A-Za-z0-9:_-]+$/, 'letters, digits, : _ - only'),
  ),
  SERVER_INTERNAL_URL: z.url({ message: 'required: the server URL the worker fetches audio from' }),
  WORKER_TOKEN: z
    .string({ message: 'required: shared secret for the internal audio endpoint' })
    .min(8, 'at least 8 characters'),
  /** `whisper-cpp`: the built-in binding and a local model; `openai`: a Whisper server's API. */
  WHISPER_ENGINE: str('whisper-cpp').pipe(
    z.enum(['whisper-cpp', 'openai'], {
      message: 'expected "whisper-cpp" (built in) or "openai" (an OpenAI-compatible server)',
    }),
  ),
  /** The transcription endpoint (WHISPER_ENGINE=openai); checked in loadConfig. */
  WHISPER_API_URL: str(''),
  WHISPER_API_MODEL: str('whisper-1').pipe(
    z
      .string()
      .max(200)
      .regex(/^[^\s]+$/, 'one model name, without spaces'),
  ),
  /** Never echoed: checked in loadConfig with messages that do not quote it. */
  WHISPER_API_KEY: z.string().optional(),
  WHISPER_API_TIMEOUT_MS: int(120000, 1000, 3600000),
  WHISPER_API_MAX_ATTEMPTS: int(3, 1, 10),
  WHISPER_API_MAX_RETRY_DELAY_MS: int(30000, 0, 600000),
  WHISPER_API_WORD_TIMESTAMPS: bool(false),
  MODELS_DIR: str('./models'),
  /**
   * A model name (base, large-v3-turbo, …: file ggml-<name>.bin in MODELS_DIR), a file path, or
   * `test`: the seeded random-weights model, generated on first use (CI, machines without internet).
   */
  WHISPER_MODEL: str('base'),
  WHISPER_LANGUAGE: str('auto').pipe(
    z.string().regex(/^(auto|[a-z]{2,3})$/, 'expected "auto" or an ISO 639-1 code'),
  ),
  WHISPER_BEAM_SIZE: int(5, 1, 16),
  WHISPER_THREADS: int(defaultThreads, 1, 64),
  WHISPER_GPU: bool(false),
  WHISPER_VAD: bool(true),
  WHISPER_PROMPT: str(''),
  /** Unset: 0.2, but 0 for the generated test model (see TEST_MODEL_TEMPERATURE_INC). */
  WHISPER_TEMPERATURE_INC: optionalNum(0, 1),
  WHISPER_MIN_SPEECH_MS: int(300, 0, 60000),
  WHISPER_MIN_SPEECH_RATIO: num(0.3, 0, 1),
  WORKER_ID: str(`${hostname()}-${process.pid}`),
  WORKER_CONCURRENCY: int(1, 1, 32),
  // A killed worker's job is retaken at most lock + interval after the kill (13 s by default). The
  // worker renews its lock every fifth of the duration, so its event loop may stall ~8 s safely.
  WORKER_LOCK_DURATION_MS: int(10000, 1000, 3600000),
  WORKER_STALLED_INTERVAL_MS: int(3000, 500, 3600000),
  WORKER_MAX_STALLED_COUNT: int(2, 0, 100),
  WORKER_SHUTDOWN_GRACE_MS: int(120000, 0, 3600000),
  FETCH_TIMEOUT_MS: int(60000, 1000, 3600000),
  HEARTBEAT_TTL_S: int(30, 5, 3600),
  /** Touched on every heartbeat; the container healthcheck reads its age. */
  HEALTH_FILE: str('/tmp/cwn-worker-alive'),
});

export type ApiEngineDefaults = Pick<
  OpenAiCompatibleOptions,
  'timeoutMs' | 'maxAttempts' | 'maxRetryDelayMs' | 'wordTimestamps'
>;

export interface WorkerConfig {
  redisUrl: string;
  prefix: string;
  serverUrl: string;
  workerToken: string;
  engine: 'whisper-cpp' | 'openai';
  /** The API engine's options (WHISPER_ENGINE=openai), else null. Holds the key: never log it. */
  openai: OpenAiCompatibleOptions | null;
  /**
   * Timeouts and retries (WHISPER_API_*) for an API engine a job's settings choose (decision
   * 1612); absent: the defaults of those variables.
   */
  apiDefaults?: ApiEngineDefaults;
  /** whisper-cpp's model file (unused by the API engine). */
  modelPath: string;
  /** MODELS_DIR, resolved: the other models a job may ask for (ggml-<name>.bin). */
  modelsDir: string;
  language: string;
  beamSize: number;
  threads: number;
  gpu: boolean;
  vad: boolean;
  prompt: string;
  temperatureInc: number;
  minSpeechMs: number;
  minSpeechRatio: number;
  workerId: string;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  shutdownGraceMs: number;
  fetchTimeoutMs: number;
  heartbeatTtlS: number;
  healthFile: string;
}

/** whisper.cpp's temperature fallback step for real models. */
export const DEFAULT_TEMPERATURE_INC = 0.2;
/**
 * The generated model's average log-probability is always under whisper.cpp's threshold, so with
 * the fallback on it retries every window at each temperature (several times slower, same text).
 */
export const TEST_MODEL_TEMPERATURE_INC = 0;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function resolveModelPath(model: string, modelsDir: string): string {
  if (model === 'test') return TEST_MODEL_PATH;
  if (isAbsolute(model) || model.includes('/') || model.endsWith('.bin')) return resolve(model);
  return resolve(join(modelsDir, `ggml-${model}.bin`));
}

/**
 * WHISPER_API_URL as the endpoint to post to: a bare server URL gets `/v1/audio/transcriptions`,
 * one ending in `/v1` gets `/audio/transcriptions`, any other path is taken as is (whisper.cpp's
 * server answers on `/inference` unless started with `--inference-path`). Returns an error text
 * instead when the URL is unusable.
 */
export function resolveApiUrl(raw: string): { url: string } | { error: string } {
  if (!raw) {
    return {
      error:
        'required when WHISPER_ENGINE=openai: the transcription endpoint, e.g. http://whisper:8000/v1/audio/transcriptions',
    };
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { error: 'not a URL (expected http://host:port/v1/audio/transcriptions)' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return { error: `expected an http:// or https:// URL, got ${u.protocol}` };
  if (u.username || u.password)
    return { error: 'must not hold credentials: put the key in WHISPER_API_KEY' };
  const path = u.pathname.replace(/\/+$/, '');
  if (path === '') u.pathname = '/v1/audio/transcriptions';
  else if (path.endsWith('/v1')) u.pathname = `${path}/audio/transcriptions`;
  return { url: u.toString() };
}

/** Validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  opts: { checkModel?: boolean } = {},
): WorkerConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid worker configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const modelPath = resolveModelPath(e.WHISPER_MODEL, e.MODELS_DIR);
  let openai: OpenAiCompatibleOptions | null = null;
  if (e.WHISPER_ENGINE === 'openai') {
    const problems: string[] = [];
    const url = resolveApiUrl(e.WHISPER_API_URL);
    if ('error' in url) problems.push(`  WHISPER_API_URL: ${url.error}`);
    const key = e.WHISPER_API_KEY?.trim() ?? '';
    // an Authorization header cannot carry these; the value itself is never quoted
    if (/[^\x21-\x7e]/.test(key))
      problems.push('  WHISPER_API_KEY: holds spaces, control or non-ASCII characters');
    if (problems.length)
      throw new ConfigError(`invalid worker configuration:\n${problems.join('\n')}`);
    openai = {
      url: (url as { url: string }).url,
      model: e.WHISPER_API_MODEL,
      apiKey: key || null,
      timeoutMs: e.WHISPER_API_TIMEOUT_MS,
      maxAttempts: e.WHISPER_API_MAX_ATTEMPTS,
      maxRetryDelayMs: e.WHISPER_API_MAX_RETRY_DELAY_MS,
      wordTimestamps: e.WHISPER_API_WORD_TIMESTAMPS,
      temperature: 0,
    };
  }
  const localModel = e.WHISPER_ENGINE === 'whisper-cpp' && opts.checkModel !== false;
  if (e.WHISPER_MODEL === 'test' && localModel) ensureTestModel(modelPath);
  if (localModel && !existsSync(modelPath)) {
    throw new ConfigError(
      `invalid worker configuration:\n  WHISPER_MODEL: model file not found: ${modelPath} (download it with npm run download-model -w worker-gpu -- ${e.WHISPER_MODEL})`,
    );
  }
  if (e.WORKER_STALLED_INTERVAL_MS > e.WORKER_LOCK_DURATION_MS) {
    throw new ConfigError(
      'invalid worker configuration:\n  WORKER_STALLED_INTERVAL_MS: must not exceed WORKER_LOCK_DURATION_MS',
    );
  }
  return {
    redisUrl: e.REDIS_URL,
    prefix: e.QUEUE_PREFIX,
    serverUrl: e.SERVER_INTERNAL_URL.replace(/\/+$/, ''),
    workerToken: e.WORKER_TOKEN,
    engine: e.WHISPER_ENGINE,
    openai,
    apiDefaults: {
      timeoutMs: e.WHISPER_API_TIMEOUT_MS,
      maxAttempts: e.WHISPER_API_MAX_ATTEMPTS,
      maxRetryDelayMs: e.WHISPER_API_MAX_RETRY_DELAY_MS,
      wordTimestamps: e.WHISPER_API_WORD_TIMESTAMPS,
    },
    modelPath,
    modelsDir: resolve(e.MODELS_DIR),
    language: e.WHISPER_LANGUAGE,
    beamSize: e.WHISPER_BEAM_SIZE,
    threads: e.WHISPER_THREADS,
    gpu: e.WHISPER_GPU,
    vad: e.WHISPER_VAD,
    prompt: e.WHISPER_PROMPT,
    temperatureInc:
      e.WHISPER_TEMPERATURE_INC ??
      (modelPath === TEST_MODEL_PATH ? TEST_MODEL_TEMPERATURE_INC : DEFAULT_TEMPERATURE_INC),
    minSpeechMs: e.WHISPER_MIN_SPEECH_MS,
    minSpeechRatio: e.WHISPER_MIN_SPEECH_RATIO,
    workerId: e.WORKER_ID,
    concurrency: e.WORKER_CONCURRENCY,
    lockDurationMs: e.WORKER_LOCK_DURATION_MS,
    stalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS,
    maxStalledCount: e.WORKER_MAX_STALLED_COUNT,
    shutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_MS,
    fetchTimeoutMs: e.FETCH_TIMEOUT_MS,
    heartbeatTtlS: e.HEARTBEAT_TTL_S,
    healthFile: e.HEALTH_FILE,
  };
}
