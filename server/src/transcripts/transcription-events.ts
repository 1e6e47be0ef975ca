import { QueueEvents, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  Id,
  TRANSCRIPTION_JOB_NAMES,
  TranscriptionProgress,
  type TranscriptionJob,
  type TranscriptionResult,
} from '@cwn/protocol';
import type { Logger } from '../logger';
import type { TranscriptNotifier } from './transcript-notifier';
import type { RecordingState } from './transcripts.repository';
import type { TranscriptsService } from './transcripts.service';

export interface TranscriptionEventsOptions {
  queue: Queue<TranscriptionJob>;
  /** Duplicated by BullMQ for its blocking reads. */
  connection: Redis;
  service: TranscriptsService;
  notifier: TranscriptNotifier;
  logger: Logger;
  /**
   * Where window jobs' outcomes go (the live module's service), given at construction: the app
   * builds this follower after the live module. null: a follower of whole-call jobs only (benches).
   */
  windows: WindowJobHandler | null;
  /** How often finished jobs are checked against the database (default 60 s; 0 = only at start). */
  reconcileIntervalMs?: number;
}

/**
 * Window jobs (`TRANSCRIPTION_JOB_NAMES.window`: one channel's window of a live or uploaded call)
 * share the queue with whole-call jobs; their ids say which they are, and their results go to
 * this handler (the live module) instead of the transcript service.
 */
export interface WindowJobHandler {
  isWindowJob(jobId: string | undefined): boolean;
  windowCompleted(job: {
    id?: string;
    returnvalue?: unknown;
    finishedOn?: number;
    /** When the job was added and its last run started (its wait in the queue). */
    timestamp?: number;
    processedOn?: number;
  }): Promise<boolean>;
  windowFailed(job: { id?: string; failedReason?: string }): Promise<boolean>;
  /** Finished window jobs whose outcome the database may lack; returns how many it repaired. */
  reconcileWindows(
    completed: {
      id?: string;
      returnvalue?: unknown;
      finishedOn?: number;
      timestamp?: number;
      processedOn?: number;
    }[],
    failed: { id?: string; failedReason?: string; finishedOn?: number }[],
  ): Promise<number>;
}

export interface ReconcileReport {
  persisted: number;
  failed: number;
  checked: number;
  /** Window jobs whose result or failure was stored by the pass. */
  windows: number;
}

const PAGE = 200;
/** Periodic passes look back this much further than the previous pass (clock skew, slow writes). */
const OVERLAP_MS = 5 * 60_000;
/** Jobs a reconciliation pass repairs at once (each is a short transaction; the pool has 10). */
const RECOVERY_PARALLELISM = 4;
/** Recording → call/agent lookups kept for progress events (bounded). */
const STATE_CACHE = 500;

const isId = (s: string | undefined): s is string => Id.safeParse(s).success;

/**
 * Follows the transcription queue and turns what workers did into database state and Socket.IO
 * events: active → call `transcribing`; progress → `transcript.progress`; completed → the
 * transcript stored once (`transcript.ready`); finally failed → call `failed` with the reason.
 *
 * QueueEvents reads a capped Redis stream from where it ends when the server starts, so what
 * happened while no server ran (or while a handler failed) is caught by a reconciliation pass at
 * start and every `reconcileIntervalMs`: it walks the queue's completed and failed jobs and stores
 * what the database lacks. Every write is conditional or idempotent, so any number of replicas can do all
 * of this at once.
 */
export class TranscriptionEvents {
  private events: QueueEvents | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly states = new Map<string, RecordingState>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private reconciling: Promise<ReconcileReport> | null = null;
  private lastReconciledAt: number | null = null;
  private starting: Promise<void> | null = null;
  private closed = false;
  private readonly windows: WindowJobHandler | null;

  constructor(private readonly o: TranscriptionEventsOptions) {
    this.windows = o.windows;
  }

  private isWindow(jobId: string): boolean {
    return this.windows?.isWindowJob(jobId) ?? false;
  }

  /** Subscribes to the queue's events and runs the first reconciliation (idempotent). */
  start(): Promise<void> {
    return (this.starting ??= this.doStart());
  }

  private async doStart(): Promise<void> {
    // Read from the stream's current end, fixed now: nothing written after this point is missed
    // while the blocking reader connects.
    const last = await this.o.connection.xrevrange(
      this.o.queue.toKey('events'),
      '+',
      '-',
      'COUNT',
      1,
    );
    if (this.closed) return;
    const events = new QueueEvents(this.o.queue.name, {
      connection: this.o.connection,
      prefix: this.o.queue.opts.prefix,
      lastEventId: last[0]?.[0] ?? '0-0',
    });
    this.events = events;
    events.on('error', (err) =>
      this.o.logger.warn({ err: err.message }, 'transcription events: redis error'),
    );
    events.on('active', ({ jobId }) => this.inOrder(jobId, () => this.onActive(jobId)));
    events.on('progress', ({ jobId, data }) =>
      this.inOrder(jobId, () => this.onProgress(jobId, data)),
    );
    events.on('completed', ({ jobId, returnvalue }) =>
      this.inOrder(jobId, () => this.onCompleted(jobId, returnvalue)),
    );
    events.on('failed', ({ jobId, failedReason }) =>
      this.inOrder(jobId, () => this.onFailed(jobId, failedReason)),
    );
    await events.waitUntilReady();
    if (this.closed) return;
    this.track(this.reconcile());
    const every = this.o.reconcileIntervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => this.track(this.reconcile()), every);
      this.timer.unref();
    }
  }

  /** Stops listening and waits for the handlers that are running. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    // Not waiting for a start that is still connecting: closing Redis ends it.
    await this.events?.close();
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Walks finished jobs (all of them the first time, then those finished since the previous pass)
   * and persists completed results the database lacks and final failures it has not recorded.
   */
  reconcile(): Promise<ReconcileReport> {
    return (this.reconciling ??= this.doReconcile().finally(() => (this.reconciling = null)));
  }

  private async doReconcile(): Promise<ReconcileReport> {
    const startedAt = Date.now();
    const since = this.lastReconciledAt === null ? 0 : this.lastReconciledAt - OVERLAP_MS;
    const report: ReconcileReport = { persisted: 0, failed: 0, checked: 0, windows: 0 };
    for (const type of ['completed', 'failed'] as const) {
      for (let start = 0; !this.closed; start += PAGE) {
        const page = (await this.o.queue.getJobs([type], start, start + PAGE - 1, false)).filter(
          Boolean,
        );
        // Newest first: once a job finished before `since`, the rest of the list did too.
        const recent = page.filter((j) => (j.finishedOn ?? 0) >= since);
        await this.reconcilePage(type, recent, report);
        if (recent.length < page.length || page.length < PAGE) break;
      }
    }
    this.lastReconciledAt = startedAt;
    if (report.persisted || report.failed || report.windows)
      this.o.logger.info(report, 'transcription reconciliation');
    return report;
  }

  private async reconcilePage(
    type: 'completed' | 'failed',
    all: Job<TranscriptionJob, TranscriptionResult>[],
    report: ReconcileReport,
  ): Promise<void> {
    const isWindow = (j: Job) => j.name === TRANSCRIPTION_JOB_NAMES.window;
    if (this.windows) {
      const windows = all.filter(isWindow) as Job[];
      if (windows.length) {
        report.windows += await this.windows.reconcileWindows(
          type === 'completed' ? windows : [],
          type === 'failed' ? windows : [],
        );
      }
    }
    const jobs = all.filter((j) => !isWindow(j));
    const ids = jobs.map((j) => j.id).filter(isId);
    const states = await this.o.service.recordingStates(ids);
    const todo = jobs.flatMap((job) => {
      const state = job.id ? states.get(job.id) : undefined;
      return state && !state.hasTranscript ? [{ job, state }] : [];
    });
    report.checked += todo.length;
    // A few at a time: after a long outage there can be hundreds, each its own transaction.
    for (let i = 0; i < todo.length; i += RECOVERY_PARALLELISM) {
      await Promise.all(
        todo.slice(i, i + RECOVERY_PARALLELISM).map(async ({ job, state }) => {
          if (type === 'completed') {
            if ((await this.o.service.persistResult(state, job.returnvalue)) === 'stored')
              report.persisted += 1;
          } else if (state.callStatus !== 'failed') {
            if (await this.o.service.markFailed(state, job.failedReason ?? '')) report.failed += 1;
          }
        }),
      );
    }
  }

  // ── event handlers ───────────────────────────────────────────────────────────────────────────

  private async stateOf(jobId: string): Promise<RecordingState | null> {
    if (this.isWindow(jobId)) return null;
    if (!isId(jobId)) {
      this.o.logger.warn({ jobId }, 'transcription job id is not a recording id; ignored');
      return null;
    }
    const cached = this.states.get(jobId);
    if (cached) return cached;
    const state = (await this.o.service.recordingStates([jobId])).get(jobId) ?? null;
    if (!state) {
      this.o.logger.warn({ jobId }, 'transcription job for an unknown recording; ignored');
      return null;
    }
    if (this.states.size >= STATE_CACHE) this.states.delete(this.states.keys().next().value!);
    this.states.set(jobId, state);
    return state;
  }

  private async onActive(jobId: string): Promise<void> {
    const state = await this.stateOf(jobId);
    if (state) await this.o.service.markActive(state);
  }

  private async onProgress(jobId: string, data: unknown): Promise<void> {
    const state = await this.stateOf(jobId);
    if (!state) return;
    const progress =
      typeof data === 'number'
        ? { percent: Math.max(0, Math.min(100, data)) }
        : TranscriptionProgress.safeParse(data).data;
    if (!progress) return;
    this.o.notifier.progress(state.agentId, {
      callId: state.callId,
      recordingId: state.recordingId,
      percent: progress.percent,
      ...('stage' in progress ? { stage: progress.stage } : {}),
    });
  }

  private async onCompleted(jobId: string, returnvalue: unknown): Promise<void> {
    if (this.windows && this.isWindow(jobId)) {
      // The job itself, for when it finished (a later run's result replaces an earlier one's).
      const job = await this.o.queue.getJob(jobId);
      await this.windows.windowCompleted({
        id: jobId,
        returnvalue: job?.returnvalue ?? returnvalue,
        finishedOn: job?.finishedOn,
        timestamp: job?.timestamp,
        processedOn: job?.processedOn,
      });
      return;
    }
    this.states.delete(jobId);
    // Fresh state: hasTranscript must come from the database, not the cache.
    const state = (await this.o.service.recordingStates(isId(jobId) ? [jobId] : [])).get(jobId);
    if (!state) return;
    const outcome = await this.o.service.persistResult(state, returnvalue);
    this.o.logger.debug({ jobId, outcome }, 'transcription completed');
  }

  private async onFailed(jobId: string, failedReason: string): Promise<void> {
    // 'failed' is written when a job gives up for good (attempts exhausted or unrecoverable); the
    // state check guards against a job that was retried by hand in the meantime.
    if ((await this.o.queue.getJobState(jobId)) !== 'failed') return;
    if (this.windows && this.isWindow(jobId)) {
      await this.windows.windowFailed({ id: jobId, failedReason });
      return;
    }
    this.states.delete(jobId);
    const state = (await this.o.service.recordingStates(isId(jobId) ? [jobId] : [])).get(jobId);
    if (state) await this.o.service.markFailed(state, failedReason);
  }

  /** Handles one job's events in the order they were written (active before completed, …). */
  private inOrder(jobId: string, handle: () => Promise<void>): void {
    const previous = this.chains.get(jobId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(handle);
    this.chains.set(jobId, next);
    const forget = () => {
      if (this.chains.get(jobId) === next) this.chains.delete(jobId);
    };
    next.then(forget, forget);
    this.track(next);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p
      .catch((err: unknown) => this.o.logger.error({ err }, 'transcription events: handler failed'))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}
