/**
 * The BullMQ consumer: `QUEUES.transcription` under `config.prefix`, lock renewal and stalled-job
 * detection (a worker killed with SIGKILL stops renewing its lock; after lockDuration another
 * worker's stalled check moves the job back to wait and it runs again), heartbeat, and a graceful
 * stop that finishes the running job or, past the grace period, hands it back to the queue.
 */
import { QUEUES, type TranscriptionResult } from '@cwn/protocol';
import { Worker, WaitingError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { WorkerConfig } from './config';
import { AbortedError, type Transcriber } from './engine/transcriber';
import { Heartbeat } from './heartbeat';
import { processTranscription } from './job/processor';

export type Logger = (msg: string, extra?: Record<string, unknown>) => void;

export interface RunningWorker {
  worker: Worker<unknown, TranscriptionResult>;
  heartbeat: Heartbeat;
  /** Stop taking jobs, let the current ones finish (or hand them back after graceMs), disconnect. */
  stop(graceMs?: number): Promise<void>;
}

export async function startWorker(
  config: WorkerConfig,
  engine: Transcriber,
  log: Logger,
): Promise<RunningWorker> {
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  await connection.connect();
  const heartbeat = new Heartbeat(
    connection,
    config.prefix,
    {
      id: config.workerId,
      engine: engine.engine,
      model: engine.model,
      gpu: engine.gpu,
      concurrency: config.concurrency,
    },
    config.heartbeatTtlS,
    config.healthFile,
  );
  const handBack = new AbortController();

  const processor = async (job: Job, token?: string): Promise<TranscriptionResult> => {
    heartbeat.active++;
    const started = Date.now();
    log('job started', { jobId: job.id, attempt: job.attemptsMade + 1 });
    try {
      const result = await processTranscription(job, {
        config,
        engine,
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
    }
  };

  const worker = new Worker<unknown, TranscriptionResult>(QUEUES.transcription, processor, {
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
      try {
        await worker.close();
      } finally {
        clearTimeout(timer);
        await heartbeat.stop();
        await connection.quit().catch(() => connection.disconnect());
      }
      log('stopped');
    })();
    return stopping;
  };
  return { worker, heartbeat, stop };
}
