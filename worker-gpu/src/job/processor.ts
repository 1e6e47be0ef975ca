/**
 * The jobs of the transcription queue, by name (TRANSCRIPTION_JOB_NAMES): a whole call
 * (validate → fetch → decode → transcribe → TranscriptionResult) or one window of one channel
 * (→ TranscribeWindowResult, segments in call time).
 * Permanent failures become UnrecoverableError (the job fails once, reason kept for the admin);
 * anything else is thrown as is and BullMQ retries it with the job's backoff.
 */
import {
  TRANSCRIPTION_JOB_NAMES,
  TranscribeWindowJob,
  TranscribeWindowResult,
  TranscriptionJob,
  TranscriptionResult,
  composeWhisperPrompt,
  type AppliedWhisperSettings,
  type JobWhisperSettings,
  type Segment,
  type TranscriptionProgress,
  type WorkerWhisperDefaults,
} from '@cwn/protocol';
import type { ZodError } from 'zod';
import { UnrecoverableError, type Job } from 'bullmq';
import { DEFAULT_VAD_SENSITIVITY, vadOptionsFor } from '../audio/vad';
import { decodeWav } from '../audio/wav';
import type { EngineLease, EngineSet } from '../engine/engines';
import type { Transcriber } from '../engine/transcriber';
import { PermanentError } from '../errors';
import { transcribeCall } from '../pipeline/transcribe-call';
import { resolveApiUrl, type WorkerConfig } from '../config';
import { OpenAiCompatibleTranscriber, WhisperApiRejectedError } from '../engine/openai-compatible';
import { EngineKeys } from './engine-key';
import { transcribeWindow } from '../pipeline/transcribe-window';
import { fetchAudio, fetchWindowAudio } from './fetch-audio';

export type ProcessorConfig = Pick<
  WorkerConfig,
  | 'serverUrl'
  | 'workerToken'
  | 'language'
  | 'prompt'
  | 'beamSize'
  | 'threads'
  | 'temperatureInc'
  | 'vad'
  | 'minSpeechMs'
  | 'minSpeechRatio'
  | 'fetchTimeoutMs'
  | 'apiDefaults'
>;

export interface ProcessorDeps {
  config: ProcessorConfig;
  engine: Transcriber;
  /** The engine per job's model; without it every job runs on `engine`. */
  engines?: EngineSet;
  /** The chosen API engine's key, fetched from the server and kept briefly (decision 1612). */
  engineKeys?: EngineKeys;
  /** Told what each job applied (the heartbeat announces the latest). */
  onApplied?: (applied: AppliedWhisperSettings) => void;
  /** Aborted when the worker must give the job back (shutdown grace exceeded). */
  signal?: AbortSignal;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/** What a worker applies to a job that sets nothing: its environment. */
export function workerDefaults(config: ProcessorConfig): WorkerWhisperDefaults {
  return {
    language: config.language,
    prompt: config.prompt,
    vad: config.vad,
    vadSensitivity: DEFAULT_VAD_SENSITIVITY,
    temperatureInc: config.temperatureInc,
  };
}

/**
 * A job's settings over the worker's environment: each field the job leaves out or null takes the
 * worker's value; the call's own language hint (set by the agent's extension) wins over both.
 * The prompt is the call's vocabulary, then the admins' prompt (else WHISPER_PROMPT), then — for a
 * live window — the end of its channel's text so far, bounded: the one place Whisper's prompt is
 * built, for whole calls and windows alike.
 */
export function resolveSettings(
  config: ProcessorConfig,
  settings: JobWhisperSettings | undefined,
  languageHint: string | null,
  engine: Pick<Transcriber, 'engine' | 'model'>,
  missingModel: string | null,
  context?: string,
): AppliedWhisperSettings {
  const s = settings ?? {};
  return {
    engine: engine.engine,
    model: engine.model,
    missingModel,
    language: languageHint ?? s.language ?? config.language,
    prompt: composeWhisperPrompt({
      vocabulary: s.vocabulary,
      prompt: s.prompt ?? config.prompt,
      context,
    }),
    vad: s.vad ?? config.vad,
    vadSensitivity: s.vadSensitivity ?? DEFAULT_VAD_SENSITIVITY,
    temperatureInc: s.temperatureInc ?? config.temperatureInc,
  };
}

type ProgressSink = Pick<Job, 'updateProgress'>;

/** Progress updates, at most every 250 ms and only when the percent moved (Redis writes). */
function progressReporter(job: ProgressSink) {
  let last = -1;
  let lastAt = 0;
  let pending: Promise<unknown> = Promise.resolve();
  return {
    report(stage: TranscriptionProgress['stage'], percent: number, force = false) {
      const p = Math.round(Math.max(0, Math.min(100, percent)));
      const now = Date.now();
      if (!force && (p === last || now - lastAt < 250)) return;
      last = p;
      lastAt = now;
      const progress: TranscriptionProgress = { percent: p, stage };
      pending = pending.then(() => job.updateProgress(progress)).catch(() => undefined);
    },
    flush: () => pending,
  };
}

const invalidPayload = (error: ZodError) =>
  new UnrecoverableError(
    `invalid job payload: ${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );

/** Where an admin sets the chosen engine's key, named when the API refuses it. */
const KEY_SOURCE = 'the API key in /admin/whisper';

/**
 * The engine for a job: the OpenAI-compatible server its settings choose (built per job from
 * plain options, with the key fetched from the server, never from the job: decision 1612), else
 * the worker's own or another model it has (decision 1611).
 */
async function leaseFor(
  deps: ProcessorDeps,
  settings: JobWhisperSettings | undefined,
): Promise<EngineLease> {
  const choice = settings?.engine;
  if (choice) {
    try {
      const resolved = resolveApiUrl(choice.url);
      if ('error' in resolved)
        throw new PermanentError(`the chosen engine's URL: ${resolved.error}`, 'invalid_engine');
      const { config } = deps;
      const keys = (deps.engineKeys ??= new EngineKeys({
        serverUrl: config.serverUrl,
        workerToken: config.workerToken,
        timeoutMs: config.fetchTimeoutMs,
      }));
      const apiKey = await keys.get(choice.url, deps.signal);
      const d = config.apiDefaults ?? {
        timeoutMs: 120_000,
        maxAttempts: 3,
        maxRetryDelayMs: 30_000,
      };
      const engine = new OpenAiCompatibleTranscriber({
        ...d,
        url: resolved.url,
        model: choice.model,
        apiKey,
        temperature: 0,
        keySource: KEY_SOURCE,
      });
      return { engine, missingModel: null, release: () => undefined };
    } catch (err) {
      if (err instanceof PermanentError)
        throw new UnrecoverableError(`${err.code}: ${err.message}`);
      throw err;
    }
  }
  if (deps.engines) return deps.engines.acquire(settings?.model);
  const model = settings?.model;
  return {
    engine: deps.engine,
    missingModel: model && model !== deps.engine.model ? model : null,
    release: () => undefined,
  };
}

/** A key the chosen engine refused is forgotten, so the next job asks the server again. */
function forgetRefusedKey(
  deps: ProcessorDeps,
  settings: JobWhisperSettings | undefined,
  err: unknown,
) {
  if (
    settings?.engine &&
    err instanceof WhisperApiRejectedError &&
    (err.status === 401 || err.status === 403)
  )
    deps.engineKeys?.forget(settings.engine.url);
}

export type AnyTranscriptionResult = TranscriptionResult | TranscribeWindowResult;

/** Routes a job of the transcription queue by its name; an unknown name fails once. */
export function processJob(
  job: Pick<Job, 'id' | 'name' | 'data' | 'updateProgress' | 'attemptsMade'>,
  deps: ProcessorDeps,
): Promise<AnyTranscriptionResult> {
  switch (job.name) {
    case TRANSCRIPTION_JOB_NAMES.call:
      return processTranscription(job, deps);
    case TRANSCRIPTION_JOB_NAMES.window:
      return processWindow(job, deps);
    default:
      return Promise.reject(
        new UnrecoverableError(
          `unknown job name "${job.name}": expected ${Object.values(TRANSCRIPTION_JOB_NAMES).join(' or ')}`,
        ),
      );
  }
}

/** What a job's transcription gives back, whole call or window. */
interface Transcribed {
  language: string;
  segments: Segment[];
  invalidUtf8Dropped: number;
}

/** The engine options both job kinds derive from what they applied. */
function engineOptions(
  config: ProcessorConfig,
  applied: AppliedWhisperSettings,
  signal: AbortSignal | undefined,
) {
  return {
    language: applied.language,
    prompt: applied.prompt || undefined,
    beamSize: config.beamSize,
    threads: config.threads,
    temperatureInc: applied.temperatureInc,
    vad: applied.vad,
    vadOptions: vadOptionsFor(applied.vadSensitivity),
    minSpeechRatio: config.minSpeechRatio,
    signal,
  };
}

/**
 * What a whole call and a window share: the engine leased for the job's settings, the settings
 * applied, fetch → decode → transcribe timed (`mark` ends the fetch, then the decode), the result
 * built and checked against its contract (failing here names the worker, not the server), the
 * applied settings announced, a refused API key forgotten, permanent errors made unrecoverable,
 * the engine given back.
 */
async function runJob<R extends TranscriptionResult | TranscribeWindowResult>(
  deps: ProcessorDeps,
  t0: number,
  settings: JobWhisperSettings | undefined,
  resolve: (engine: Transcriber, missingModel: string | null) => AppliedWhisperSettings,
  work: (
    engine: Transcriber,
    applied: AppliedWhisperSettings,
    mark: () => void,
  ) => Promise<Transcribed>,
  parse: (result: TranscriptionResult) => R,
  settle: () => Promise<unknown> = () => Promise.resolve(),
): Promise<R> {
  const lease = await leaseFor(deps, settings);
  const engine = lease.engine;
  const applied = resolve(engine, lease.missingModel);
  const marks: number[] = [];
  try {
    const out = await work(engine, applied, () => marks.push(performance.now()));
    const t3 = performance.now();
    const [t1 = t0, t2 = t1] = marks;
    await settle();
    const valid = parse({
      language: out.language,
      segments: out.segments,
      model: engine.model,
      engine: engine.engine,
      invalidUtf8Dropped: out.invalidUtf8Dropped,
      settings: applied,
      timings: {
        fetchMs: Math.round(t1 - t0),
        decodeMs: Math.round(t2 - t1),
        transcribeMs: Math.round(t3 - t2),
        totalMs: Math.round(performance.now() - t0),
      },
    });
    deps.onApplied?.(applied);
    return valid;
  } catch (err) {
    await settle();
    forgetRefusedKey(deps, settings, err);
    if (err instanceof PermanentError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
    throw err;
  } finally {
    lease.release();
  }
}

/**
 * One window: fetch that channel's samples [start, end) as a mono WAV, transcribe them as one
 * chunk with the call path's settings (its prompt ending with the channel's text so far), guards
 * over the window, segments shifted into call time. No progress updates: a window is seconds of
 * work, and live windows are many.
 */
export async function processWindow(
  job: Pick<Job, 'id' | 'data' | 'attemptsMade'>,
  deps: ProcessorDeps,
): Promise<TranscribeWindowResult> {
  const t0 = performance.now();
  const parsed = TranscribeWindowJob.safeParse(job.data);
  if (!parsed.success) throw invalidPayload(parsed.error);
  const data = parsed.data;
  const { config } = deps;
  return runJob(
    deps,
    t0,
    data.settings,
    (engine, missingModel) =>
      resolveSettings(
        config,
        data.settings,
        data.languageHint ?? null,
        engine,
        missingModel,
        data.context,
      ),
    async (engine, applied, mark) => {
      const wav = await fetchWindowAudio(config.serverUrl, config.workerToken, data, {
        timeoutMs: config.fetchTimeoutMs,
        signal: deps.signal,
      });
      mark();
      const audio = decodeWav(wav);
      if (audio.channels.length !== 1) {
        throw new PermanentError(
          `window audio has ${audio.channels.length} channels, expected 1 (${data.channel})`,
          'invalid_audio',
        );
      }
      const pcm = audio.channels[0]!;
      if (pcm.length !== data.endSample - data.startSample) {
        deps.log?.('window audio length differs from the job; using the file', {
          jobId: job.id,
          job: data.endSample - data.startSample,
          file: pcm.length,
        });
      }
      mark();
      return transcribeWindow(
        pcm,
        audio.sampleRate,
        { startSample: data.startSample, speaker: data.channel },
        engine,
        engineOptions(config, applied, deps.signal),
      );
    },
    (r) => TranscribeWindowResult.parse(r),
  );
}

export async function processTranscription(
  job: Pick<Job, 'id' | 'data' | 'updateProgress' | 'attemptsMade'>,
  deps: ProcessorDeps,
): Promise<TranscriptionResult> {
  const t0 = performance.now();
  const parsed = TranscriptionJob.safeParse(job.data);
  if (!parsed.success) throw invalidPayload(parsed.error);
  const data = parsed.data;
  const { config } = deps;
  const progress = progressReporter(job);
  return runJob(
    deps,
    t0,
    data.settings,
    (engine, missingModel) =>
      resolveSettings(config, data.settings, data.languageHint, engine, missingModel),
    async (engine, applied, mark) => {
      progress.report('fetching', 0, true);
      const wav = await fetchAudio(config.serverUrl, config.workerToken, data.recordingId, {
        timeoutMs: config.fetchTimeoutMs,
        signal: deps.signal,
      });
      mark();
      progress.report('decoding', 5, true);
      const audio = decodeWav(wav);
      if (audio.channels.length !== data.channels) {
        deps.log?.('channel count differs from the job; using the file', {
          jobId: job.id,
          job: data.channels,
          file: audio.channels.length,
        });
      }
      mark();
      progress.report('transcribing', 10, true);
      const out = await transcribeCall(audio, engine, {
        ...engineOptions(config, applied, deps.signal),
        minSpeechMs: config.minSpeechMs,
        onProgress: (p) => progress.report('transcribing', 10 + p * 0.89),
      });
      progress.report('done', 100, true);
      return out;
    },
    (r) => TranscriptionResult.parse(r),
    () => progress.flush(),
  );
}
