import type { Readable } from 'node:stream';
import { InvalidBlobIdError } from './errors';

/**
 * Opaque byte blobs by id. Callers (EncryptedAudioStore, retention) depend only on this
 * interface; `LocalBlobStore` implements it on a local disk, an S3-compatible store can implement
 * it later (put → multipart upload completed only on success; getRange → ranged GET; patch →
 * a server-side copy that replaces the first part, since S3 objects are immutable).
 */

export interface BlobStat {
  id: string;
  size: number;
  /** Creation time for retention (a local backend keeps it across in-place patches). */
  mtime: Date;
}

export interface PutOptions {
  /**
   * Runs after every byte has been written and made durable, before the blob becomes visible.
   * Throw to abandon the put (the temp data is removed, nothing is committed).
   */
  beforeCommit?: (size: number) => void | Promise<void>;
}

export interface BlobStore {
  /**
   * Write a new blob from `source`, atomically: it appears under `id` only when the source ended
   * without error and `beforeCommit` passed; otherwise nothing is left behind. An existing id is
   * never overwritten (`BlobExistsError`).
   */
  put(
    id: string,
    source: AsyncIterable<Buffer | Uint8Array>,
    options?: PutOptions,
  ): Promise<BlobStat>;
  /** Bytes [start, end] (inclusive; defaults: the whole blob). `BlobNotFoundError` if absent. */
  getRange(id: string, start?: number, end?: number): Promise<Readable>;
  /** Read up to `length` bytes at `offset` into memory (for headers and single chunks). */
  read(id: string, offset: number, length: number): Promise<Buffer>;
  /**
   * Overwrite bytes in place and make them durable before resolving. Used only to rewrap key
   * slots in an encrypted file's fixed-size header; it must not change the blob's size or mtime.
   */
  patch(id: string, offset: number, bytes: Buffer): Promise<void>;
  /** Remove a blob; false if it did not exist. */
  delete(id: string): Promise<boolean>;
  exists(id: string): Promise<boolean>;
  stat(id: string): Promise<BlobStat | null>;
  /** Every blob (unordered). */
  list(): AsyncIterable<BlobStat>;
  /** Blobs whose mtime is before `cutoff` (retention sweeps, orphan checks). */
  listOlderThan(cutoff: Date): AsyncIterable<BlobStat>;
}

/** Ids are 1-128 characters of [A-Za-z0-9_-] starting with a letter or digit (UUIDs fit). */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function isValidBlobId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

export function assertValidBlobId(id: string): void {
  if (!isValidBlobId(id)) throw new InvalidBlobIdError(String(id));
}
