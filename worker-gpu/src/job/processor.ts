/**
 * One transcription job: validate → fetch → decode → transcribe → TranscriptionResult.
 * Permanent failures become UnrecoverableError (the job fails once, reason kept for the admin);
 * anything else is thrown as is and BullMQ retries it with the job's backoff.
 */
import {
  TranscriptionJob,
  TranscriptionResult,
  composeWhisperPrompt,
  type AppliedWhisperSettings,
  type JobWhisperSettings,
  type TranscriptionProgress,
  type WorkerWhisperDefaults,
} from '@cwn/protocol';
import { UnrecoverableError, type Job } from 'bullmq';
import { DEFAULT_VAD_SENSITIVITY, vadOptionsFor } from '../audio/vad';
import { decodeWav } from '../audio/wav';
import type { EngineLease, EngineSet } from '../engine/engines';
import type { Transcriber } from '../engine/transcriber';
import { PermanentError } from '../errors';
import { transcribeCall } from '../pipeline/transcribe-call';
import type { WorkerConfig } from '../config';
import { fetchAudio } from './fetch-audio';

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
>;

export interface ProcessorDeps {
  config: ProcessorConfig;
  engine: Transcriber;
  /** The engine per job's model; without it every job runs on `engine`. */
  engines?: EngineSet;
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
 * The prompt is the call's vocabulary, then the admins' prompt (else WHISPER_PROMPT), bounded.
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

/**
 * A live window's settings (decision 1611): as a call's, except that its prompt arrives composed
 * by the server (the call's names, the admins' vocabulary, the channel's latest text); an empty
 * one falls back to the worker's WHISPER_PROMPT.
 */
export function resolveWindowSettings(
  config: ProcessorConfig,
  settings: JobWhisperSettings | undefined,
  languageHint: string | null,
  engine: Pick<Transcriber, 'engine' | 'model'>,
  missingModel: string | null,
  windowPrompt: string,
): AppliedWhisperSettings {
  const { prompt: _p, vocabulary: _v, ...rest } = settings ?? {};
  return {
    ...resolveSettings(config, rest, languageHint, engine, missingModel),
    prompt: windowPrompt || composeWhisperPrompt({ prompt: config.prompt }),
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

export async function processTranscription(
  job: Pick<Job, 'id' | 'data' | 'updateProgress' | 'attemptsMade'>,
  deps: ProcessorDeps,
): Promise<TranscriptionResult> {
  const t0 = performance.now();
  const parsed = TranscriptionJob.safeParse(job.data);
  if (!parsed.success) {
    throw new UnrecoverableError(
      `invalid job payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const data = parsed.data;
  const { config } = deps;
  const progress = progressReporter(job);
  const lease: EngineLease = deps.engines
    ? await deps.engines.acquire(data.settings?.model)
    : {
        engine: deps.engine,
        missingModel:
          data.settings?.model && data.settings.model !== deps.engine.model
            ? data.settings.model
            : null,
        release: () => undefined,
      };
  const engine = lease.engine;
  const applied = resolveSettings(
    config,
    data.settings,
    data.languageHint,
    engine,
    lease.missingModel,
  );
  try {
    progress.report('fetching', 0, true);
    const wav = await fetchAudio(config.serverUrl, config.workerToken, data.recordingId, {
      timeoutMs: config.fetchTimeoutMs,
      signal: deps.signal,
    });
    const t1 = performance.now();
    progress.report('decoding', 5, true);
    const audio = decodeWav(wav);
    if (audio.channels.length !== data.channels) {
      deps.log?.('channel count differs from the job; using the file', {
        jobId: job.id,
        job: data.channels,
        file: audio.channels.length,
      });
    }
    const t2 = performance.now();
    progress.report('transcribing', 10, true);
    const out = await transcribeCall(audio, engine, {
      language: applied.language,
      prompt: applied.prompt || undefined,
      beamSize: config.beamSize,
      threads: config.threads,
      temperatureInc: applied.temperatureInc,
      vad: applied.vad,
      vadOptions: vadOptionsFor(applied.vadSensitivity),
      minSpeechMs: config.minSpeechMs,
      minSpeechRatio: config.minSpeechRatio,
      signal: deps.signal,
      onProgress: (p) => progress.report('transcribing', 10 + p * 0.89),
    });
    const t3 = performance.now();
    progress.report('done', 100, true);
    await progress.flush();
    const result: TranscriptionResult = {
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
    };
    // the server validates too; failing here names the worker as the culprit
    const valid = TranscriptionResult.parse(result);
    deps.onApplied?.(applied);
    return valid;
  } catch (err) {
    await progress.flush();
    if (err instanceof PermanentError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
    throw err;
  } finally {
    lease.release();
  }
}
