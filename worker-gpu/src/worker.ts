/**
 * The BullMQ consumer: `QUEUES.transcription` under `config.prefix`, lock renewal and stalled-job
 * detection (a worker killed with SIGKILL stops renewing its lock; after lockDuration another
 * worker's stalled check moves the job back to wait and it runs again), heartbeat, and a graceful
 * stop that finishes the running job or, past the grace period, hands it back to the queue.
 */
import { QUEUES } from '@cwn/protocol';
import { Worker, WaitingError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { WorkerConfig } from './config';
import { AbortedError, type Transcriber } from './engine/transcriber';
import { EngineSet } from './engine/engines';
import { WhisperCppTranscriber } from './engine/whisper-cpp';
import { Heartbeat } from './heartbeat';
import { EngineKeys } from './job/engine-key';
import { processJob, workerDefaults, type AnyTranscriptionResult } from './job/processor';

/** After the grace: time for an aborted job to be handed back before the worker gives up on Redis. */
export const HAND_BACK_MS = 5000;

/** stop() could not reach Redis: nothing was handed back or closed cleanly. */
export class RedisUnreachableError extends Error {
  constructor() {
    super('Redis unreachable: the worker stopped without handing its job back');
    this.name = 'RedisUnreachableError';
  }
}

export type Logger = (msg: string, extra?: Record<string, unknown>) => void;

export interface RunningWorker {
  worker: Worker<unknown, AnyTranscriptionResult>;
  heartbeat: Heartbeat;
  /** The chosen API engine's keys, as fetched from the server (kept 30 s). */
  engineKeys: EngineKeys;
  /**
   * Stop taking jobs, let the current ones finish (or hand them back after graceMs), disconnect.
   * Rejects with RedisUnreachableError when Redis did not answer by graceMs + HAND_BACK_MS.
   */
  stop(graceMs?: number): Promise<void>;
}

export async function startWorker(
  config: WorkerConfig,
  engine: Transcriber,
  log: Logger,
): Promise<RunningWorker> {
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  await connection.connect();
  const engines = new EngineSet(engine, {
    modelsDir: config.engine === 'whisper-cpp' ? config.modelsDir : null,
    load: (modelPath) =>
      WhisperCppTranscriber.create({ modelPath, gpu: config.gpu, contexts: config.concurrency }),
    log,
  });
  const engineKeys = new EngineKeys({
    serverUrl: config.serverUrl,
    workerToken: config.workerToken,
    timeoutMs: config.fetchTimeoutMs,
  });
  const heartbeat = new Heartbeat(
    connection,
    config.prefix,
    {
      id: config.workerId,
      engine: engine.engine,
      model: engine.model,
      gpu: engine.gpu,
      concurrency: config.concurrency,
      defaults: workerDefaults(config),
    },
    config.heartbeatTtlS,
    config.healthFile,
    () => ({ models: engines.available(), missingModels: [...engines.missing] }),
  );
  const handBack = new AbortController();

  const processor = async (job: Job, token?: string): Promise<AnyTranscriptionResult> => {
    heartbeat.active++;
    const started = Date.now();
    log('job started', { jobId: job.id, name: job.name, attempt: job.attemptsMade + 1 });
    try {
      const result = await processJob(job, {
        config,
        engine,
        engines,
        engineKeys,
        onApplied: (applied) => (heartbeat.applied = applied),
        signal: handBack.signal,
        log,
      });
      log('job done', {
        jobId: job.id,
        ms: Date.now() - started,
        segments: result.segments.length,
      });
      return result;
    } catch (err) {
      if (
        handBack.signal.aborted &&
        token &&
        (err instanceof AbortedError || (err as Error).name === 'AbortError')
      ) {
        // shutting down past the grace period: give the job back untouched (no attempt spent)
        await job.moveToWait(token);
        log('job handed back', { jobId: job.id });
        throw new WaitingError();
      }
      log('job failed', { jobId: job.id, error: (err as Error).message });
      throw err;
    } finally {
      heartbeat.active--;
      // the page shows what the job just applied without waiting for the next beat
      void heartbeat.beat().catch(() => undefined);
    }
  };

  const worker = new Worker<unknown, AnyTranscriptionResult>(QUEUES.transcription, processor, {
    connection,
    prefix: config.prefix,
    concurrency: config.concurrency,
    lockDuration: config.lockDurationMs,
    // BullMQ renews at half the duration; more often leaves room for a long synchronous step
    // (decoding hours of audio) with the short lock that lets a killed worker's job resume soon
    lockRenewTime: Math.round(config.lockDurationMs / 5),
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: config.maxStalledCount,
    autorun: false,
  });
  worker.on('error', (err) => log('worker error', { error: err.message }));
  worker.on('stalled', (jobId) => log('stalled job moved back to wait', { jobId }));

  await heartbeat.start();
  void worker.run().catch((err: Error) => log('worker stopped with error', { error: err.message }));
  await worker.waitUntilReady();
  log('worker ready', {
    id: config.workerId,
    queue: `${config.prefix}:${QUEUES.transcription}`,
    model: engine.model,
    gpu: engine.gpu,
    concurrency: config.concurrency,
  });

  let stopping: Promise<void> | null = null;
  const stop = (graceMs = config.shutdownGraceMs) => {
    stopping ??= (async () => {
      log('stopping: no new jobs', { active: heartbeat.active, graceMs });
      const timer = setTimeout(() => handBack.abort(), graceMs);
      // With Redis unreachable neither the close nor the hand-back ever finishes: past the grace
      // and a moment to hand the job back, give up on them while Redis is not connected. The
      // job's lock then expires and a stalled check elsewhere gives it to another worker.
      let giveUp: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'gave up'>((resolve) => {
        const check = () => {
          if (connection.status === 'ready') giveUp = setTimeout(check, 1000);
          else resolve('gave up');
        };
        giveUp = setTimeout(check, graceMs + HAND_BACK_MS);
      });
      const graceful = (async () => {
        await worker.close();
        clearTimeout(timer);
        await heartbeat.stop();
        await engines.close();
        await connection.quit().catch(() => connection.disconnect());
      })();
      try {
        if ((await Promise.race([graceful, gaveUp])) === 'gave up') {
          graceful.catch(() => undefined);
          log('Redis unreachable: stopping without handing the job back', {
            active: heartbeat.active,
            status: connection.status,
          });
          heartbeat.stopBeating();
          void worker.close(true).catch(() => undefined);
          connection.disconnect();
          throw new RedisUnreachableError();
        }
      } finally {
        clearTimeout(timer);
        clearTimeout(giveUp);
      }
      log('stopped');
    })();
    return stopping;
  };
  return { worker, heartbeat, engineKeys, stop };
}
