import type { Readable } from 'node:stream';
import { UniqueConstraintError, type Sequelize, type Transaction } from 'sequelize';
import type { Recording, UploadRecordingQuery, UploadRecordingResponse } from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import { WavValidatorStream } from '../audio/wav-validator';
import { toRecordingDto } from '../calls/call-dto';
import type { CallLifecycle } from '../calls/lifecycle/call-lifecycle';
import type { CallModel, Models, RecordingModel } from '../db/models';
import { HttpError } from '../http/errors';
import type { AuthUser } from '../http/request-context';
import type { Logger } from '../logger';
import type { EncryptedAudioStore } from '../storage';
import type { TranscriptionQueue } from './transcription-queue';

export interface IngestContext {
  user: AuthUser;
  meta: UploadRecordingQuery;
  idempotencyKey: string;
  ip: string | null;
  requestId: string | null;
}

/**
 * How the recording came: a batch upload (queued for a whole-call transcription), or a live
 * recording's log turned into the same WAV at close (its windows are transcribed already or under
 * way: no batch job; the call goes straight to `transcribing`).
 */
export interface IngestOptions {
  /**
   * The source is the server's own live audio log (authenticated record by record), not a client's
   * file: there is no client checksum to check (`meta.sha256` is ignored; the stored sha256 is the
   * one computed while storing), which saves a whole pass over the audio at hang-up.
   */
  live?: boolean;
}

/** Raised inside the commit when another upload with the same key won the race. */
class DuplicateUpload extends Error {}

/**
 * The one path by which audio enters the system, for direct and resumable uploads alike:
 * validate while streaming, encrypt to the store, insert the call (when created from metadata) and
 * the recording in one transaction, then queue the transcription. Anything failing before the
 * commit leaves no file and no row.
 */
export class RecordingIngest {
  constructor(
    private readonly deps: {
      sequelize: Sequelize;
      models: Models;
      store: () => Promise<EncryptedAudioStore>;
      queue: TranscriptionQueue;
      lifecycle: CallLifecycle;
      /** Tells the agent and the watchers that the recording is stored. */
      recordingUploaded: (agentId: string, recording: Recording) => void;
      audit: AuditLog;
      logger: Logger;
      maxRecordingSeconds: number;
      /** Id of the master key that wraps new recordings. */
      keyId: string;
      now: () => Date;
    },
  ) {}

  /** The recording an earlier upload stored under this key, if any (sha256 must match). */
  async replay(
    ctx: Pick<IngestContext, 'user' | 'idempotencyKey' | 'meta'>,
    options: IngestOptions = {},
  ): Promise<UploadRecordingResponse | null> {
    const row = await this.deps.models.Recording.findOne({
      where: { agentId: ctx.user.id, idempotencyKey: ctx.idempotencyKey },
    });
    if (!row) return null;
    if (!options.live && row.sha256 !== ctx.meta.sha256) {
      throw HttpError.conflict(
        'this Idempotency-Key was already used for a different file (its sha256 differs)',
      );
    }
    return { recording: toRecordingDto(row), callId: row.callId, created: false };
  }

  /** The recording stored under this key (a retry's answer), else `conflict`. */
  private async replayOr(
    ctx: IngestContext,
    conflict: HttpError,
    options: IngestOptions = {},
  ): Promise<UploadRecordingResponse> {
    const stored = await this.replay(ctx, options);
    if (stored) return stored;
    throw conflict;
  }

  /** Checks that can be made before reading a byte of audio (existing call, ownership). */
  async precheck(ctx: IngestContext): Promise<void> {
    if (!ctx.meta.callId) return;
    const call = await this.deps.models.Call.findByPk(ctx.meta.callId);
    if (!call || call.agentId !== ctx.user.id) throw HttpError.notFound('call not found');
    const has = await this.deps.models.Recording.count({ where: { callId: call.id } });
    if (has) throw HttpError.conflict('this call already has a recording');
  }

  async ingest(
    source: Readable | AsyncIterable<Buffer>,
    ctx: IngestContext,
    options: IngestOptions = {},
  ): Promise<UploadRecordingResponse> {
    const replayed = await this.replay(ctx, options);
    if (replayed) return replayed;
    try {
      await this.precheck(ctx);
    } catch (err) {
      // The call's recording may be this key's, stored by a concurrent retry since the replay above.
      if (err instanceof HttpError && err.status === 409) return this.replayOr(ctx, err, options);
      throw err;
    }

    const { models, sequelize } = this.deps;
    const store = await this.deps.store();
    const id = crypto.randomUUID();
    const validator = new WavValidatorStream({
      maxDurationMs: this.deps.maxRecordingSeconds * 1000,
    });
    let t: Transaction | undefined;
    let call: CallModel | undefined;
    let recording: RecordingModel | undefined;
    try {
      await store.put(id, source, {
        through: [validator],
        expectedSha256: options.live ? undefined : ctx.meta.sha256,
        beforeCommit: async ({ sizeBytes, sha256 }) => {
          const wav = validator.result!;
          t = await sequelize.transaction();
          ({ call } = await this.callFor(ctx, t));
          try {
            recording = await models.Recording.create(
              {
                id,
                callId: call.id,
                agentId: ctx.user.id,
                channels: wav.channels,
                sampleRate: wav.sampleRate,
                durationMs: wav.durationMs,
                sizeBytes,
                sha256,
                keyId: this.deps.keyId,
                idempotencyKey: ctx.idempotencyKey,
                languageHint: ctx.meta.languageHint ?? null,
                createdAt: this.deps.now(),
                purgedAt: null,
              },
              { transaction: t },
            );
          } catch (err) {
            // PostgreSQL names only the first unique index violated (call_id before the key):
            // whether this is a retry of the stored upload is decided after the rollback.
            if (err instanceof UniqueConstraintError) throw new DuplicateUpload();
            throw err;
          }
          // Announced once, after queueing (below).
          call = await this.deps.lifecycle.move(call, 'uploaded', {
            transaction: t,
            announce: false,
            changes: (c) => {
              c.endedAt ??= ctx.meta.endedAt ? new Date(ctx.meta.endedAt) : this.deps.now();
            },
          });
          // Live: the windows' jobs are the transcription; nothing waits in `uploaded` for a batch job.
          if (options.live) {
            call = await this.deps.lifecycle.move(call, 'transcribing', {
              transaction: t,
              announce: false,
            });
          }
        },
      });
    } catch (err) {
      await (t as Transaction | undefined)?.rollback().catch(() => undefined);
      if (err instanceof DuplicateUpload) {
        // A concurrent upload committed first: a replay when it had this key, else a conflict.
        return this.replayOr(ctx, HttpError.conflict('this call already has a recording'), options);
      }
      if (err instanceof UniqueConstraintError) {
        return this.replayOr(
          ctx,
          HttpError.conflict('another upload for this call was stored at the same time'),
          options,
        );
      }
      throw err;
    }
    try {
      await t!.commit();
    } catch (err) {
      // The file is visible but its row is not: remove it so that nothing half-stored remains.
      await store.delete(id).catch(() => undefined);
      throw err;
    }
    return this.afterCommit(ctx, call!, recording!, options);
  }

  /**
   * Queues the recordings whose call is still `uploaded` (Redis was unreachable right after the
   * upload). Safe to repeat: the job id is the recording id. Returns how many were queued.
   */
  async requeueStranded(): Promise<number> {
    const { models } = this.deps;
    const calls = await models.Call.findAll({ where: { status: 'uploaded' }, attributes: ['id'] });
    let queued = 0;
    for (const c of calls) {
      const recording = await models.Recording.findOne({ where: { callId: c.id, purgedAt: null } });
      if (!recording) continue;
      await this.deps.queue.enqueue(recording);
      await this.deps.lifecycle.tryMove(c.id, 'queued');
      queued++;
    }
    return queued;
  }

  private async callFor(
    ctx: IngestContext,
    t: Transaction,
  ): Promise<{ call: CallModel; created: boolean }> {
    const { models } = this.deps;
    const meta = ctx.meta;
    if (meta.callId) {
      const call = await models.Call.findByPk(meta.callId, { transaction: t, lock: t.LOCK.UPDATE });
      if (!call || call.agentId !== ctx.user.id) throw HttpError.notFound('call not found');
      return { call, created: false };
    }
    // The query schema requires these three when there is no callId.
    const direction = meta.direction!;
    const pbxCallId = meta.pbxCallId!;
    const where = { agentId: ctx.user.id, pbxCallId };
    const existing = await models.Call.findOne({ where, transaction: t, lock: t.LOCK.UPDATE });
    if (existing) return { call: existing, created: false };
    const call = await this.deps.lifecycle.create(
      {
        id: crypto.randomUUID(),
        agentId: ctx.user.id,
        direction,
        remoteNumber: meta.remoteNumber ?? null,
        remoteName: meta.remoteName ?? null,
        pbxCallId,
        startedAt: new Date(meta.startedAt!),
        answeredAt: null,
        endedAt: meta.endedAt ? new Date(meta.endedAt) : null,
        status: 'ended',
      },
      { transaction: t },
    );
    return { call, created: true };
  }

  private async afterCommit(
    ctx: IngestContext,
    call: CallModel,
    recording: RecordingModel,
    options: IngestOptions = {},
  ): Promise<UploadRecordingResponse> {
    const dto = toRecordingDto(recording);
    await this.deps.audit.write({
      action: 'recording.upload',
      actorId: ctx.user.id,
      targetType: 'recording',
      targetId: recording.id,
      details: {
        callId: call.id,
        sizeBytes: dto.sizeBytes,
        durationMs: dto.durationMs,
        ...(options.live ? { live: true } : {}),
      },
      ip: ctx.ip,
      requestId: ctx.requestId,
    });
    this.deps.recordingUploaded(call.agentId, dto);
    if (options.live) {
      this.deps.lifecycle.announce(call, 'transcribing');
      return { recording: dto, callId: call.id, created: true };
    }
    let moved: { row: CallModel; event: 'uploaded' | 'queued' } = { row: call, event: 'uploaded' };
    try {
      await this.deps.queue.enqueue(recording);
      const queued = await this.deps.lifecycle.tryMove(call.id, 'queued', { announce: false });
      if (queued) moved = { row: queued, event: 'queued' };
    } catch (err) {
      // Stored safely; the call stays `uploaded` and can be queued again later.
      this.deps.logger.error(
        { err, recordingId: recording.id },
        'could not queue the transcription',
      );
    }
    this.deps.lifecycle.announce(moved.row, moved.event);
    return { recording: dto, callId: call.id, created: true };
  }
}
