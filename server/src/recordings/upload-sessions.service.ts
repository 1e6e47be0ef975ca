import { Readable } from 'node:stream';
import { Op, UniqueConstraintError } from 'sequelize';
import type { Redis } from 'ioredis';
import type { UploadRecordingQuery, UploadRecordingResponse, UploadSession } from '@cwn/protocol';
import { UploadRecordingQuery as UploadQuerySchema } from '@cwn/protocol';
import { AudioValidationError } from '../audio/errors';
import { maxBytesFor, WavValidator } from '../audio/wav-validator';
import type { Models, UploadSessionModel } from '../db/models';
import { httpErrorOf } from '../http/domain-errors';
import { HttpError } from '../http/errors';
import type { AuthUser } from '../http/request-context';
import type { Logger } from '../logger';
import type { IngestContext, RecordingIngest } from './ingest.service';
import type { UploadStaging, StagedState } from './upload-staging';

/** Smallest body that can be a WAV file with audio (44-byte header + one frame). */
const MIN_WAV_BYTES = 46;
/** A PATCH holds the session's lock at most this long (a stalled client loses it). */
const LOCK_MS = 10 * 60 * 1000;

/** Raised by the header check of the first PATCH: the upload can never succeed. */
class BadAudio extends Error {
  constructor(readonly audioError: AudioValidationError) {
    super(audioError.message);
  }
}

export type PatchOutcome =
  | { kind: 'partial'; session: UploadSession }
  | { kind: 'complete'; result: UploadRecordingResponse };

/**
 * Resumable uploads (docs/decisions/0201-upload-protocol.md): a session with the file's length,
 * sha256 and call metadata; PATCHes append at the server's offset into an encrypted staging file;
 * the PATCH that completes the file hands the staged bytes to the same ingest as direct uploads.
 */
export class UploadSessions {
  private readonly maxBytes: number;

  constructor(
    private readonly deps: {
      models: Models;
      redis: Redis;
      redisPrefix: string;
      staging: UploadStaging;
      ingest: RecordingIngest;
      logger: Logger;
      keyId: string;
      maxRecordingSeconds: number;
      ttlHours: number;
      now: () => Date;
    },
  ) {
    this.maxBytes = maxBytesFor(deps.maxRecordingSeconds * 1000);
  }

  private dto(s: UploadSessionModel): UploadSession {
    return {
      id: s.id,
      offset: Number(s.offset),
      length: Number(s.length),
      expiresAt: s.expiresAt.toISOString(),
      recordingId: null,
    };
  }

  private state(s: UploadSessionModel): StagedState {
    return {
      id: s.id,
      keyId: s.keyId,
      offset: Number(s.offset),
      stagedBytes: Number(s.stagedBytes),
    };
  }

  async create(
    user: AuthUser,
    meta: UploadRecordingQuery,
    idempotencyKey: string,
    length: number,
  ): Promise<{ session: UploadSession; created: boolean }> {
    if (length > this.maxBytes) {
      throw HttpError.payloadTooLarge(
        `Upload-Length ${length} is larger than the ${this.maxBytes}-byte limit (${this.deps.maxRecordingSeconds} s of stereo audio)`,
      );
    }
    if (length < MIN_WAV_BYTES) {
      throw HttpError.badRequest(`Upload-Length ${length} is too small for a WAV file with audio`);
    }
    const ctx = { user, meta, idempotencyKey };
    const done = await this.deps.ingest.replay(ctx);
    if (done) {
      return {
        session: {
          id: done.recording.id,
          offset: done.recording.sizeBytes,
          length: done.recording.sizeBytes,
          expiresAt: this.deps.now().toISOString(),
          recordingId: done.recording.id,
        },
        created: false,
      };
    }
    const existing = await this.findByKey(user.id, idempotencyKey);
    if (existing) return { session: this.sameOrConflict(existing, meta, length), created: false };
    await this.deps.ingest.precheck({ ...ctx, ip: null, requestId: null });

    const now = this.deps.now();
    let row: UploadSessionModel;
    try {
      row = await this.deps.models.UploadSession.create({
        id: crypto.randomUUID(),
        agentId: user.id,
        idempotencyKey,
        metadata: meta as unknown as Record<string, unknown>,
        length,
        offset: 0,
        stagedBytes: 0,
        keyId: this.deps.keyId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + this.deps.ttlHours * 3_600_000),
      });
    } catch (err) {
      if (!(err instanceof UniqueConstraintError)) throw err;
      const raced = await this.findByKey(user.id, idempotencyKey);
      if (!raced) throw err;
      return { session: this.sameOrConflict(raced, meta, length), created: false };
    }
    try {
      await this.deps.staging.create(row.id);
    } catch (err) {
      await row.destroy();
      throw err;
    }
    return { session: this.dto(row), created: true };
  }

  private findByKey(agentId: string, idempotencyKey: string) {
    return this.deps.models.UploadSession.findOne({ where: { agentId, idempotencyKey } });
  }

  private sameOrConflict(
    s: UploadSessionModel,
    meta: UploadRecordingQuery,
    length: number,
  ): UploadSession {
    if (Number(s.length) !== length || (s.metadata as { sha256?: string }).sha256 !== meta.sha256) {
      throw HttpError.conflict(
        'this Idempotency-Key already names an upload of a different file (length or sha256 differ)',
      );
    }
    return this.dto(s);
  }

  /** The caller's own session; 404 for anyone else's, and for expired sessions (removed here). */
  private async own(user: AuthUser, id: string): Promise<UploadSessionModel> {
    const s = await this.deps.models.UploadSession.findByPk(id);
    if (!s || s.agentId !== user.id) throw HttpError.notFound('upload not found');
    if (s.expiresAt <= this.deps.now()) {
      await this.discard(s);
      throw HttpError.notFound('upload expired: start a new one');
    }
    return s;
  }

  async get(user: AuthUser, id: string): Promise<UploadSession> {
    return this.dto(await this.own(user, id));
  }

  async cancel(user: AuthUser, id: string): Promise<void> {
    await this.discard(await this.own(user, id));
  }

  async patch(
    user: AuthUser,
    id: string,
    clientOffset: number,
    body: Readable,
    meta: Pick<IngestContext, 'ip' | 'requestId'>,
  ): Promise<PatchOutcome> {
    const session = await this.own(user, id);
    const lockKey = `${this.deps.redisPrefix}:upload-lock:${id}`;
    const locked = await this.deps.redis.set(lockKey, '1', 'PX', LOCK_MS, 'NX');
    if (locked !== 'OK') throw HttpError.conflict('another PATCH of this upload is in progress');
    try {
      await session.reload();
      const offset = Number(session.offset);
      const length = Number(session.length);
      if (clientOffset !== offset) {
        throw HttpError.conflict(
          `Upload-Offset ${clientOffset} does not match the server's ${offset}`,
          {
            offset,
          },
        );
      }
      let state = this.state(session);
      if (offset < length) {
        const validator =
          offset === 0
            ? new WavValidator({ maxDurationMs: this.deps.maxRecordingSeconds * 1000 })
            : undefined;
        const inspect = validator
          ? (piece: Buffer) => {
              try {
                validator.push(piece);
              } catch (err) {
                throw err instanceof AudioValidationError ? new BadAudio(err) : err;
              }
            }
          : undefined;
        try {
          state = await this.deps.staging.append(state, body, length - offset, inspect);
        } catch (err) {
          if (err instanceof BadAudio) {
            // The header is wrong: no later PATCH can fix it, keep nothing.
            await this.discard(session);
            throw err.audioError;
          }
          throw err;
        }
        await session.update({ offset: state.offset, stagedBytes: state.stagedBytes });
      } else {
        body.resume();
      }
      if (state.offset < length) return { kind: 'partial', session: this.dto(session) };
      return { kind: 'complete', result: await this.finish(user, session, state, meta) };
    } finally {
      await this.deps.redis.del(lockKey);
    }
  }

  private async finish(
    user: AuthUser,
    session: UploadSessionModel,
    state: StagedState,
    meta: Pick<IngestContext, 'ip' | 'requestId'>,
  ): Promise<UploadRecordingResponse> {
    const query = UploadQuerySchema.parse(session.metadata);
    try {
      const result = await this.deps.ingest.ingest(Readable.from(this.deps.staging.read(state)), {
        user,
        meta: query,
        idempotencyKey: session.idempotencyKey,
        ...meta,
      });
      await this.discard(session);
      return result;
    } catch (err) {
      // A file the validator or the sha256 check refused can never succeed: keep nothing. Other
      // failures (database, disk) keep the staged bytes: a PATCH with no body retries the finish.
      const answer = httpErrorOf(err);
      if (answer && answer.status < 500) await this.discard(session);
      throw err;
    }
  }

  private async discard(s: UploadSessionModel): Promise<void> {
    await this.deps.staging.remove(s.id);
    await s.destroy();
  }

  /** Every session whose call metadata `match` accepts (a privacy erasure or export). */
  async findByMetadata(
    match: (metadata: Record<string, unknown>) => boolean,
  ): Promise<UploadSessionModel[]> {
    const all = await this.deps.models.UploadSession.findAll({ order: [['createdAt', 'ASC']] });
    return all.filter((s) => match(s.metadata));
  }

  /** Removes these sessions and their staged bytes; returns how many there were. */
  async discardSessions(sessions: UploadSessionModel[]): Promise<number> {
    for (const s of sessions) await this.discard(s);
    return sessions.length;
  }

  /** Remove sessions past their expiry and staged files without a session; returns the count. */
  async sweepExpired(now: Date = this.deps.now()): Promise<number> {
    const expired = await this.deps.models.UploadSession.findAll({
      where: { expiresAt: { [Op.lte]: now } },
    });
    for (const s of expired) await this.discard(s);
    const files = await this.deps.staging.list();
    if (files.length) {
      const live = new Set(
        (
          await this.deps.models.UploadSession.findAll({ attributes: ['id'], where: { id: files } })
        ).map((s) => s.id),
      );
      for (const f of files) if (!live.has(f)) await this.deps.staging.remove(f);
    }
    return expired.length;
  }
}
