import { resolve } from 'node:path';
import { z } from 'zod';
import { TimeZone } from '@cwn/protocol';
import { keyringFromEnv, MasterKeyError, type Keyring } from './storage/keys';
import { DEFAULT_PUSH_HOSTS } from './push/endpoint-hosts';
import { vapidFromEnv, VapidConfigError, type VapidConfig } from './push/vapid';
import type { HttpTimeouts } from './http/timeouts';

/** Comma-separated list in one variable → trimmed, non-empty entries. */
const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Where browsers reach the server (links in tickets, printed URLs). */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL'),
  /** Prefix of every Redis key we write (queues, rate limits, socket adapter). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only')
    .default('cwn'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters (use: openssl rand -base64 48)'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86400).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Origins allowed by CORS (dashboard, PWA); extension ids are added as chrome-extension://<id>. */
  CORS_ORIGINS: list,
  EXTENSION_IDS: list.pipe(z.array(z.string().regex(/^[a-p]{32}$/, 'not a Chrome extension id'))),
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  LOGIN_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  /** Number of reverse proxies in front of the server (nginx = 1), for client IPs. */
  TRUST_PROXY: z.coerce.number().int().min(0).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** First admin, created at start when no admin exists. */
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
  MIGRATE_ON_START: bool.default(true),
  /** 32 bytes, base64: wraps the per-recording data keys (checked by parseMasterKey below). */
  MASTER_KEY: z.string().optional(),
  /** Older master keys still accepted for reading, comma-separated (during a rotation). */
  MASTER_KEYS_PREVIOUS: z.string().optional(),
  /** Where encrypted recordings live. */
  STORAGE_DIR: z.string().default('./.data/audio'),
  /** Shared secret the transcription workers send as `Authorization: Bearer <token>`. */
  WORKER_TOKEN: z.string().min(32, 'must be at least 32 characters (use: openssl rand -base64 32)'),
  /** Longest recording accepted by the upload (default 4 h). */
  MAX_RECORDING_SECONDS: z.coerce.number().int().min(1).max(86_400).default(14_400),
  /** Audio older than this many days is deleted by the daily retention job. */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Transcripts older than this many days are deleted too; unset keeps them. */
  TRANSCRIPT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  /** Hour of the day (0-23, in RETENTION_TIME_ZONE) the retention job runs. */
  RETENTION_HOUR: z.coerce.number().int().min(0).max(23).default(3),
  /** IANA time zone of RETENTION_HOUR; unset: the server's (TZ). */
  RETENTION_TIME_ZONE: TimeZone.optional(),
  /**
   * Defaults of the wallboard's alert thresholds (admins change them in /admin/alerts): waiting
   * transcription jobs and minutes of the oldest one before "queue backing up", workers that must
   * be online, minutes a failed ticket job counts as "NinjaOne failing".
   */
  ALERT_QUEUE_DEPTH: z.coerce.number().int().min(0).max(100_000).default(20),
  ALERT_OLDEST_WAITING_MINUTES: z.coerce.number().int().min(1).max(10_080).default(10),
  ALERT_MIN_WORKERS: z.coerce.number().int().min(0).max(100).default(1),
  ALERT_NINJAONE_FAILURE_WINDOW_MINUTES: z.coerce.number().int().min(1).max(10_080).default(15),
  /** A resumable upload not finished within this many hours is discarded. */
  UPLOAD_SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(168).default(24),
  /** Country calling code of national numbers (0…) in call searches: 33 (France), 41, 1… */
  DEFAULT_COUNTRY_CODE: z
    .string()
    .regex(/^[1-9]\d{0,2}$/, 'must be a country calling code without + (1 to 3 digits, e.g. 33)')
    .default('33'),
  /** Push services the server may send to (hosts, subdomains included; `*`: any). Default: the browsers' own. */
  PUSH_ALLOWED_HOSTS: list,
  /** A client must send a request's headers within this time… */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  /** …a body within this time (not uploaded audio, which may take as long as the link needs)… */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** …and never stay silent longer than this while sending a body, uploads included. */
  HTTP_BODY_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /**
   * A live recording nothing was appended to for this long is closed by the server with what
   * arrived, transcribed, and marked cut off (a browser that crashed, an agent gone; default 2 min).
   */
  LIVE_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(120_000),
  /** Voice activity detector cutting live windows: Silero (energy when it cannot load), or energy. */
  LIVE_VAD: z.enum(['silero', 'energy']).default('silero'),
  /**
   * An uploaded call at least this long (seconds) is split into window jobs that several workers
   * share (decision 1401); shorter ones are one whole-call job. 0: never split.
   */
  // 0 (never) unless set: the split was a loss on every CPU run (decision 1401); the GPU compose sets 120
  BATCH_SPLIT_MIN_SECONDS: z.coerce.number().int().min(0).max(86_400).default(0),
});

export type Config = {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  corsOrigins: string[];
  loginRateLimit: { max: number; windowSeconds: number };
  trustProxy: number;
  logLevel: string;
  firstAdmin: { email: string; password: string } | null;
  migrateOnStart: boolean;
  /** Master keys: the current one wraps new recordings, older ones are accepted for reading. */
  keyring: Keyring;
  /** Absolute path of the encrypted audio store. */
  storageDir: string;
  workerToken: string;
  maxRecordingSeconds: number;
  /** Retention defaults (admins override them in /admin/retention). */
  retention: { audioDays: number; transcriptDays: number | null; hour: number; timeZone: string };
  /** Alert threshold defaults (admins override them in /admin/alerts). */
  alerts: {
    queueDepth: number;
    oldestWaitingMinutes: number;
    minWorkers: number;
    ninjaOneFailureWindowMinutes: number;
  };
  uploadSessionTtlHours: number;
  /** Country calling code a national number (0…) stands for in call searches. */
  defaultCountryCode: string;
  /** Web Push (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT); null: no push notifications. */
  vapid: VapidConfig | null;
  /** Hosts a push subscription's endpoint may be on (see src/push/endpoint-hosts.ts). */
  pushAllowedHosts: string[];
  /** Slow or stalled clients (see src/http/timeouts.ts). */
  httpTimeouts: HttpTimeouts;
  /** Live recordings (decision 1400). */
  live: { idleTimeoutMs: number; vad: 'silero' | 'energy'; batchSplitMinSeconds: number };
};

/** Thrown when the environment is incomplete or wrong; its message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, as in most .env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  // The master keys are checked by the storage module's own parser (its messages name the
  // variable and never contain key material); its problems are reported with the others.
  let keyring: Keyring | undefined;
  const keyProblems: string[] = [];
  try {
    keyring = keyringFromEnv(cleaned);
  } catch (err) {
    if (!(err instanceof MasterKeyError)) throw err;
    keyProblems.push(err.message);
  }
  // Web Push keys: all three or none, checked by the push module (messages never hold key material).
  let vapid: VapidConfig | null = null;
  try {
    vapid = vapidFromEnv(cleaned);
  } catch (err) {
    if (!(err instanceof VapidConfigError)) throw err;
    keyProblems.push(...err.problems);
  }
  if (!parsed.success || !keyring || keyProblems.length) {
    throw new ConfigError([
      ...(parsed.success
        ? []
        : parsed.error.issues.map((i) => {
            const name = i.path.join('.') || '(environment)';
            const message =
              i.code === 'invalid_type' && i.input === undefined ? 'is required' : i.message;
            return `${name} ${message}`;
          })),
      ...keyProblems,
    ]);
  }
  const e = parsed.data;
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError(['ADMIN_EMAIL and ADMIN_PASSWORD must be set together']);
  }
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL.replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    jwtSecret: e.JWT_SECRET,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    corsOrigins: [...e.CORS_ORIGINS, ...e.EXTENSION_IDS.map((id) => `chrome-extension://${id}`)],
    loginRateLimit: { max: e.LOGIN_RATE_LIMIT, windowSeconds: e.LOGIN_RATE_WINDOW_SECONDS },
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    firstAdmin:
      e.ADMIN_EMAIL && e.ADMIN_PASSWORD
        ? { email: e.ADMIN_EMAIL.toLowerCase(), password: e.ADMIN_PASSWORD }
        : null,
    migrateOnStart: e.MIGRATE_ON_START,
    keyring,
    storageDir: resolve(e.STORAGE_DIR),
    workerToken: e.WORKER_TOKEN,
    maxRecordingSeconds: e.MAX_RECORDING_SECONDS,
    retention: {
      audioDays: e.RETENTION_DAYS,
      transcriptDays: e.TRANSCRIPT_RETENTION_DAYS ?? null,
      hour: e.RETENTION_HOUR,
      timeZone: e.RETENTION_TIME_ZONE ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    },
    alerts: {
      queueDepth: e.ALERT_QUEUE_DEPTH,
      oldestWaitingMinutes: e.ALERT_OLDEST_WAITING_MINUTES,
      minWorkers: e.ALERT_MIN_WORKERS,
      ninjaOneFailureWindowMinutes: e.ALERT_NINJAONE_FAILURE_WINDOW_MINUTES,
    },
    uploadSessionTtlHours: e.UPLOAD_SESSION_TTL_HOURS,
    defaultCountryCode: e.DEFAULT_COUNTRY_CODE,
    vapid,
    pushAllowedHosts: e.PUSH_ALLOWED_HOSTS.length
      ? e.PUSH_ALLOWED_HOSTS.map((h) => h.toLowerCase())
      : [...DEFAULT_PUSH_HOSTS],
    httpTimeouts: {
      headersMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestMs: e.HTTP_REQUEST_TIMEOUT_MS,
      bodyIdleMs: e.HTTP_BODY_IDLE_TIMEOUT_MS,
    },
    live: {
      idleTimeoutMs: e.LIVE_IDLE_TIMEOUT_MS,
      vad: e.LIVE_VAD,
      batchSplitMinSeconds: e.BATCH_SPLIT_MIN_SECONDS,
    },
  };
}
