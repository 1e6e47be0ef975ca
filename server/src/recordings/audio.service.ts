import type { Response } from 'express';
import type { Models, RecordingModel } from '../db/models';
import { HttpError } from '../http/errors';
import type { AuthUser } from '../http/request-context';
import type { Logger } from '../logger';
import {
  BlobNotFoundError,
  contentRange,
  MasterKeyUnavailableError,
  parseRangeHeader,
  RangeNotSatisfiableError,
  StorageIntegrityError,
  type EncryptedAudioStore,
  type OpenedRange,
} from '../storage';
import { seesAllCalls } from '../calls/calls.service';

/** A stored recording that cannot be read back: always our fault (or tampering), never the client's. */
function storageFailure(logger: Logger, recordingId: string, err: unknown): HttpError {
  logger.error(
    { err, recordingId, alert: 'recording-unreadable' },
    'stored recording failed to decrypt: corruption, truncation or tampering on disk, or a missing master key',
  );
  return new HttpError(
    500,
    'internal',
    'the stored recording could not be read back intact; the incident was logged',
  );
}

/** Decrypting reads of stored recordings for the HTTP routes (users and workers). */
export class RecordingAudio {
  constructor(
    private readonly models: Models,
    private readonly store: () => Promise<EncryptedAudioStore>,
    private readonly logger: Logger,
  ) {}

  /** The recording if `user` may hear it (agents: their own calls only; else 404), not purged. */
  async forUser(user: AuthUser | null, id: string): Promise<RecordingModel> {
    const r = await this.models.Recording.findByPk(id);
    if (!r || (user && !seesAllCalls(user) && r.agentId !== user.id)) {
      throw HttpError.notFound('recording not found');
    }
    if (r.purgedAt)
      throw HttpError.notFound('the audio of this recording was deleted by the retention policy');
    return r;
  }

  /** Opens the plaintext (or a range of it), mapping storage errors to HTTP ones. */
  async open(r: RecordingModel, start?: number, end?: number): Promise<OpenedRange> {
    const store = await this.store();
    try {
      return await store.openRange(r.id, start, end);
    } catch (err) {
      if (err instanceof RangeNotSatisfiableError) {
        throw new HttpError(416, 'range_not_satisfiable', err.message, { size: err.size });
      }
      if (err instanceof BlobNotFoundError) {
        this.logger.error(
          { recordingId: r.id, alert: 'recording-missing' },
          'recording row has no stored file',
        );
        throw HttpError.notFound('the audio file of this recording is missing');
      }
      if (err instanceof StorageIntegrityError || err instanceof MasterKeyUnavailableError) {
        throw storageFailure(this.logger, r.id, err);
      }
      throw err;
    }
  }

  /**
   * Sends the WAV, honouring a single-range `Range` header (206, exact plaintext bytes). A chunk
   * that fails to authenticate after the headers went out destroys the connection, so a client
   * never mistakes a damaged file for a complete one. Resolves with what was sent (for the audit).
   */
  async send(
    r: RecordingModel,
    rangeHeader: string | undefined,
    res: Response,
  ): Promise<{ status: 200 | 206; start: number; end: number }> {
    const size = Number(r.sizeBytes);
    const range = parseRangeHeader(rangeHeader, size);
    if (range.kind === 'unsatisfiable') {
      res.setHeader('Content-Range', contentRange(size));
      throw new HttpError(
        416,
        'range_not_satisfiable',
        `range ${rangeHeader} is outside the ${size}-byte recording`,
        {
          size,
        },
      );
    }
    const opened =
      range.kind === 'range' ? await this.open(r, range.start, range.end) : await this.open(r);
    const status = range.kind === 'range' ? 206 : 200;
    // The first chunk is decrypted before any header is sent, so damage there is a clean 500.
    const chunks = opened.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } catch (err) {
      throw storageFailure(this.logger, r.id, err);
    }
    res.status(status);
    res.setHeader('Content-Type', 'audio/wav');
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Length', String(opened.length));
    res.setHeader('Cache-Control', 'private, no-store');
    if (status === 206) {
      res.setHeader(
        'Content-Range',
        contentRange(opened.size, { start: opened.start, end: opened.end }),
      );
    }
    try {
      while (!next.done) {
        if (!res.write(next.value) && !res.destroyed) {
          // Both listeners go at either event: one pair per wait would pile up over a long file.
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
        }
        if (res.destroyed) {
          opened.stream.destroy();
          break;
        }
        next = await chunks.next();
      }
      res.end();
    } catch (err) {
      // Headers are out: destroying the connection is the only way to say "this is not the file".
      storageFailure(this.logger, r.id, err);
      res.destroy(err as Error);
    }
    return { status, start: opened.start, end: opened.end };
  }
}
