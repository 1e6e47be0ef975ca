import type { Queue } from 'bullmq';
import {
  TranscriptionResult,
  type CallTranscript,
  type EditTranscriptRequest,
  type Segment,
  type TicketJob,
  type Transcript,
  type TranscriptEdit,
  type ValidateTranscriptRequest,
} from '@cwn/protocol';
import type { Transaction } from 'sequelize';
import type { CallModel, TranscriptEditModel, TranscriptModel } from '../db/models';
import { HttpError } from '../http/errors';
import type { AuthUser } from '../http/request-context';
import type { Logger } from '../logger';
import type { TranscriptNotifier } from './transcript-notifier';
import type { CallLifecycle } from '../calls/lifecycle/call-lifecycle';
import { nextStatus } from '../calls/lifecycle/transitions';
import type { RecordingState, TranscriptsRepository } from './transcripts.repository';

export function toTranscriptDto(t: TranscriptModel): Transcript {
  return {
    id: t.id,
    callId: t.callId,
    recordingId: t.recordingId,
    language: t.language,
    segments: t.segments,
    model: t.model,
    engine: t.engine,
    timings: t.timings,
    status: t.status,
    version: t.version,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    validatedAt: t.validatedAt ? t.validatedAt.toISOString() : null,
    validatedBy: t.validatedBy ?? null,
    settings: t.settings ?? null,
  };
}

function toEditDto(e: TranscriptEditModel): TranscriptEdit {
  return {
    version: e.version,
    editedBy: e.editedBy,
    at: e.at.toISOString(),
    segmentsBefore: e.segmentsBefore,
    segmentsAfter: e.segmentsAfter,
  };
}

/** Failure reasons are shown to people; keep them readable and bounded. */
const MAX_REASON = 2_000;
const clip = (s: string) => (s.length > MAX_REASON ? `${s.slice(0, MAX_REASON - 1)}…` : s);

/** How long validation waits for Redis to take the ticket job (the row stays locked meanwhile). */
const TICKET_QUEUE_TIMEOUT_MS = 5_000;

/** Whisper's timestamps can overshoot the audio's end by a few centiseconds. */
const DURATION_MARGIN_MS = 1_000;

/** What happened to one worker result. */
export type PersistOutcome = 'stored' | 'duplicate' | 'invalid' | 'unknown_recording';

export interface ValidateOutcome {
  transcript: Transcript;
  /** False when it was validated already (no second ticket job, no second event). */
  changed: boolean;
}

/**
 * Transcripts: storing the worker's results exactly once, reading them with per-call access,
 * edits with optimistic concurrency and history, and validation that queues the ticket job.
 *
 * Validated transcripts are locked: the ticket is written from the validated text, so a later edit
 * would make the two disagree (see docs/decisions/0400-transcript-persistence-and-editing.md).
 */
export class TranscriptsService {
  constructor(
    private readonly repo: TranscriptsRepository,
    private readonly lifecycle: CallLifecycle,
    private readonly tickets: Queue<TicketJob>,
    private readonly notifier: TranscriptNotifier,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ── reading ──────────────────────────────────────────────────────────────────────────────────

  /** The call's transcript, or null; no access check (for composing other responses). */
  async findByCallId(callId: string): Promise<Transcript | null> {
    const t = await this.repo.findByCallId(callId);
    return t ? toTranscriptDto(t) : null;
  }

  async get(id: string, user: AuthUser): Promise<Transcript> {
    const { transcript } = await this.loadReadable(id, user);
    return toTranscriptDto(transcript);
  }

  async forCall(callId: string, user: AuthUser): Promise<CallTranscript> {
    const call = await this.repo.findCall(callId);
    if (!call) throw HttpError.notFound('call not found');
    this.assertMayRead(call, user, 'call not found');
    const t = await this.repo.findByCallId(callId);
    return {
      callId,
      callStatus: call.status,
      failureReason: call.failureReason ?? null,
      transcript: t ? toTranscriptDto(t) : null,
    };
  }

  async edits(id: string, user: AuthUser): Promise<TranscriptEdit[]> {
    await this.loadReadable(id, user);
    return (await this.repo.edits(id)).map(toEditDto);
  }

  // ── changing ─────────────────────────────────────────────────────────────────────────────────

  /** Replaces the segments if `version` is the current one; one history row per accepted edit. */
  async edit(id: string, input: EditTranscriptRequest, user: AuthUser): Promise<Transcript> {
    return this.repo.transaction(async (tx) => {
      const t = await this.repo.findById(id, tx, true);
      if (!t) throw HttpError.notFound('transcript not found');
      const call = await this.repo.findCall(t.callId, tx);
      this.assertMayChange(call, user);
      if (t.status === 'validated') {
        throw HttpError.conflict('this transcript is validated and can no longer be edited', {
          current: toTranscriptDto(t),
        });
      }
      if (t.version !== input.version) {
        throw HttpError.conflict(
          `the transcript changed since you loaded it (you edited version ${input.version}, the current one is ${t.version}); reload and apply your changes again`,
          { current: toTranscriptDto(t) },
        );
      }
      await this.assertWithinRecording(t.recordingId, input.segments, tx);
      const before = t.segments;
      const at = this.now();
      t.segments = input.segments;
      t.version = t.version + 1;
      await t.save({ transaction: tx });
      await this.repo.addEdit(
        {
          transcriptId: t.id,
          version: t.version,
          before,
          after: input.segments,
          editedBy: user.id,
          at,
        },
        tx,
      );
      return toTranscriptDto(t);
    });
  }

  /**
   * Marks the transcript validated, the call `validated`, and queues one ticket job (job id = the
   * transcript id). The job is added before the transaction commits: if Redis refuses it, nothing
   * is validated and the person can try again. Validating again returns the transcript unchanged.
   */
  async validate(
    id: string,
    input: ValidateTranscriptRequest,
    user: AuthUser,
  ): Promise<ValidateOutcome> {
    const outcome = await this.repo.transaction(async (tx) => {
      const t = await this.repo.findById(id, tx, true);
      if (!t) throw HttpError.notFound('transcript not found');
      const call = await this.repo.findCall(t.callId, tx);
      this.assertMayChange(call, user);
      if (t.status === 'validated') return { t, call: call!, changed: false };
      if (input.version !== undefined && input.version !== t.version) {
        throw HttpError.conflict(
          `the transcript changed since you loaded it (you validated version ${input.version}, the current one is ${t.version})`,
          { current: toTranscriptDto(t) },
        );
      }
      const at = this.now();
      t.status = 'validated';
      t.validatedAt = at;
      t.validatedBy = user.id;
      await t.save({ transaction: tx });
      await this.lifecycle.tryMove(t.callId, 'validated', { transaction: tx });
      const job: TicketJob = {
        transcriptId: t.id,
        callId: t.callId,
        requestedBy: user.id,
        organizationId: input.organizationId ?? null,
      };
      await this.queueTicket(job);
      return { t, call: call!, changed: true };
    });
    const transcript = toTranscriptDto(outcome.t);
    if (outcome.changed)
      this.notifier.validated(outcome.call.agentId, { callId: transcript.callId, transcript });
    return { transcript, changed: outcome.changed };
  }

  /** Adds the ticket job, or fails the request (503) when Redis does not take it in time. */
  private async queueTicket(job: TicketJob): Promise<void> {
    const unreachable = () =>
      new HttpError(
        503,
        'service_unavailable',
        'the ticket queue is unreachable; nothing was validated, try again',
      );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unreachable()), TICKET_QUEUE_TIMEOUT_MS);
    });
    try {
      await Promise.race([
        this.tickets.add('create-ticket', job, { jobId: job.transcriptId }),
        timeout,
      ]);
    } catch (err) {
      // Slow or refused (e.g. ECONNREFUSED while Redis is down): the same 503 either way.
      if (err instanceof HttpError) throw err;
      this.logger.warn({ err }, 'ticket job not queued');
      throw unreachable();
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Retention (`TRANSCRIPT_RETENTION_DAYS`): deletes transcripts created before `cutoff`, with their
   * edit history, or only counts them when `dryRun`. Returns how many.
   */
  purgeOlderThan(cutoff: Date, dryRun = false): Promise<number> {
    return dryRun ? this.repo.countOlderThan(cutoff) : this.repo.purgeOlderThan(cutoff);
  }

  // ── privacy (erasure and subject access, the privacy module) ─────────────────────────────────

  /** The calls' transcripts with their edit history, without access checks (admins' exports). */
  ofCalls(callIds: string[]) {
    return this.repo.ofCalls(callIds);
  }

  /** Deletes the calls' transcripts and edit history, in the caller's transaction. */
  deleteForCalls(callIds: string[], tx: Transaction) {
    return this.repo.deleteForCalls(callIds, tx);
  }

  // ── worker results (called by the transcription events) ──────────────────────────────────────

  recordingStates(recordingIds: string[]): Promise<Map<string, RecordingState>> {
    return this.repo.recordingStates(recordingIds);
  }

  /**
   * A split call's progress (windows finished / windows): the same `transcript.progress` event a
   * whole-call job's worker reports, to the call's agent and the watchers.
   */
  progress(state: RecordingState, percent: number): void {
    this.notifier.progress(state.agentId, {
      callId: state.callId,
      recordingId: state.recordingId,
      percent: Math.max(0, Math.min(100, percent)),
      stage: 'transcribing',
    });
  }

  /** A worker picked the job up: the call is `transcribing`. */
  async markActive(state: RecordingState): Promise<void> {
    await this.lifecycle.tryMove(state.callId, 'transcribing');
  }

  /**
   * Validates and stores a worker's result once. A replay, a second replica or a reconciliation
   * pass finds the row already there (unique recording id) and changes nothing.
   */
  async persistResult(state: RecordingState, raw: unknown): Promise<PersistOutcome> {
    // A call past `transcribed` without a transcript had it purged by retention: never revive it.
    if (state.hasTranscript || !nextStatus(state.callStatus, 'transcribed')) return 'duplicate';
    let value = raw;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        // left as the string; the schema below reports it
      }
    }
    const parsed = TranscriptionResult.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(result)'}: ${i.message}`)
        .join('; ');
      await this.markFailed(
        state,
        `the transcription worker returned an invalid result (${issues})`,
      );
      return 'invalid';
    }
    const stored = await this.repo.transaction(async (tx) => {
      const row = await this.repo.insertIfAbsent(state, parsed.data, this.now(), tx);
      if (row) await this.lifecycle.tryMove(state.callId, 'transcribed', { transaction: tx });
      return row;
    });
    if (!stored) return 'duplicate';
    const transcript = toTranscriptDto(stored);
    this.notifier.ready(state.agentId, { callId: state.callId, transcript });
    this.logger.info({ callId: state.callId, recordingId: state.recordingId }, 'transcript stored');
    return 'stored';
  }

  /** Transcription gave up: the call is `failed` with the reason, unless a transcript was stored. */
  async markFailed(state: RecordingState, reason: string): Promise<boolean> {
    if (state.hasTranscript) return false;
    const text = clip(reason.trim() || 'transcription failed without a reason');
    const moved = await this.lifecycle.tryMove(state.callId, 'failed', { failureReason: text });
    if (moved) {
      this.notifier.failed(state.agentId, {
        callId: state.callId,
        recordingId: state.recordingId,
        reason: text,
      });
      this.logger.warn(
        { callId: state.callId, recordingId: state.recordingId, reason: text },
        'transcription failed',
      );
    }
    return moved !== null;
  }

  /** Edited segments must stay inside the recorded audio (a small rounding margin allowed). */
  private async assertWithinRecording(
    recordingId: string,
    segments: Segment[],
    tx: Transaction,
  ): Promise<void> {
    const durationMs = await this.repo.recordingDurationMs(recordingId, tx);
    if (durationMs === null) return;
    const i = segments.findIndex((s) => s.endMs > durationMs + DURATION_MARGIN_MS);
    if (i >= 0) {
      throw new HttpError(
        400,
        'validation_failed',
        `body.segments.${i}.endMs: ${segments[i]!.endMs} ms is past the end of the recording (${durationMs} ms)`,
        [
          {
            path: `body.segments.${i}.endMs`,
            message: `past the end of the recording (${durationMs} ms)`,
          },
        ],
      );
    }
  }

  // ── access ───────────────────────────────────────────────────────────────────────────────────

  private async loadReadable(id: string, user: AuthUser) {
    const transcript = await this.repo.findById(id);
    if (!transcript) throw HttpError.notFound('transcript not found');
    const call = await this.repo.findCall(transcript.callId);
    this.assertMayRead(call, user);
    return { transcript, call: call! };
  }

  /**
   * Agents see only their own calls' transcripts; another agent's answers 404, as
   * `GET /api/calls/:id` does, so that an agent cannot tell which ids exist.
   */
  private assertMayRead(
    call: CallModel | null,
    user: AuthUser,
    notFound = 'transcript not found',
  ): void {
    if (user.role === 'agent' && call?.agentId !== user.id) throw HttpError.notFound(notFound);
  }

  /**
   * The call's agent, managers and admins (supervisors are kept out by the route policy). Another
   * agent's transcript is 404 (not revealed); a supervisor, who may read it, gets 403.
   */
  private assertMayChange(call: CallModel | null, user: AuthUser): void {
    this.assertMayRead(call, user);
    if (user.role === 'supervisor')
      throw HttpError.forbidden('supervisors may not change transcripts');
  }
}
