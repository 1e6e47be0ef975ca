import { pipeline as pipelineCb, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from './blob-store';
import {
  chunkSpan,
  DecryptStream,
  DEFAULT_CHUNK_SIZE,
  EncryptStream,
  HEADER_SIZE,
  layoutFor,
  newHeader,
  openChunk,
  parseHeader,
  planRewrap,
  SLOT_OFFSETS,
  SLOT_SIZE,
  unwrapDataKey,
  type Layout,
  type RewrapPlan,
} from './crypto';
import { BlobNotFoundError, ChecksumMismatchError, RangeNotSatisfiableError } from './errors';
import type { Keyring, MasterKey } from './keys';

export interface StoredRecording {
  id: string;
  /** Plaintext bytes (what the client uploaded). */
  sizeBytes: number;
  /** Hex sha256 of the plaintext. */
  sha256: string;
  /** Id of the master key that wraps the data key. */
  keyId: string;
  /** Bytes on disk (header + chunk overhead included). */
  storedBytes: number;
}

export interface EncryptedPutOptions {
  /**
   * Transforms the plaintext passes through before encryption, in one pipeline with the source,
   * e.g. `[new WavValidatorStream()]`: an error in any of them aborts the put and leaves nothing.
   */
  through?: Transform[];
  /** The client's sha256 (hex); a mismatch aborts the put with a 400 before anything is committed. */
  expectedSha256?: string;
  /**
   * Runs once everything is written and durable, before the file becomes visible (e.g. insert the
   * database row in a transaction and throw to abandon). Receives the plaintext size and sha256.
   */
  beforeCommit?: (info: { sizeBytes: number; sha256: string }) => void | Promise<void>;
}

export interface RecordingStat {
  sizeBytes: number;
  storedBytes: number;
  chunkSize: number;
  chunks: number;
  /** Key ids found in the header's slots (one, or two mid-rotation). */
  keyIds: string[];
  mtime: Date;
}

export interface OpenedRange {
  /** Plaintext bytes [start, end]; errors (never ends early) if the file does not authenticate. */
  stream: Readable;
  start: number;
  /** Inclusive; `start - 1` for an empty recording. */
  end: number;
  /** Bytes in `stream` (end - start + 1). */
  length: number;
  /** Plaintext size of the whole recording (for Content-Range). */
  size: number;
}

export interface RotationReport {
  rewrapped: number;
  alreadyCurrent: number;
  failed: Array<{ id: string; error: string }>;
}

/**
 * Encrypted recordings on any `BlobStore`: a random data key per recording, wrapped with the
 * keyring's current master key, audio sealed in AES-256-GCM chunks (see DESIGN.md).
 */
export class EncryptedAudioStore {
  readonly chunkSize: number;

  constructor(
    readonly blobs: BlobStore,
    private readonly keyring: Keyring,
    options: { chunkSize?: number } = {},
  ) {
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  }

  /**
   * Encrypt and store `source` under `id`, in constant memory. Atomic: on any error (the source
   * aborting, a `through` validator failing, a sha256 mismatch, `beforeCommit` throwing, the id
   * existing) nothing is left behind and the promise rejects with that error.
   */
  async put(
    id: string,
    source: AsyncIterable<Buffer | Uint8Array> | Readable,
    options: EncryptedPutOptions = {},
  ): Promise<StoredRecording> {
    const { header, dataKey } = newHeader(this.keyring.current, this.chunkSize);
    const enc = new EncryptStream(header, dataKey, this.chunkSize);
    const expected = options.expectedSha256?.toLowerCase();
    const producing = (pipeline as unknown as (streams: unknown[]) => Promise<void>)([
      source,
      ...(options.through ?? []),
      enc,
    ]);
    const storing = this.blobs.put(id, enc, {
      beforeCommit: async () => {
        const sha256 = enc.sha256!;
        if (expected !== undefined && expected !== sha256) {
          throw new ChecksumMismatchError(
            `sha256 mismatch: the body hashes to ${sha256}, the client sent ${expected}`,
          );
        }
        await options.beforeCommit?.({ sizeBytes: enc.plaintextBytes, sha256 });
      },
    });
    const [p, s] = await Promise.allSettled([producing, storing]);
    if (p.status === 'rejected' && !isPrematureClose(p.reason)) throw p.reason;
    if (s.status === 'rejected') throw s.reason;
    if (p.status === 'rejected') throw p.reason;
    return {
      id,
      sizeBytes: enc.plaintextBytes,
      sha256: enc.sha256!,
      keyId: this.keyring.current.id,
      storedBytes: s.value.size,
    };
  }

  async exists(id: string): Promise<boolean> {
    return this.blobs.exists(id);
  }

  async delete(id: string): Promise<boolean> {
    return this.blobs.delete(id);
  }

  /**
   * Crypto-shreds a recording, then removes it: both key slots of the header are overwritten with
   * zeros (each write durable) so the data key is gone even where the removed file's blocks, or a
   * copy of the file made later, survive; then the file is deleted. False if it did not exist.
   * Idempotent: a file whose slots are already wiped is simply removed.
   */
  async destroy(id: string): Promise<boolean> {
    if (!(await this.blobs.exists(id))) return false;
    const zeros = Buffer.alloc(SLOT_SIZE);
    for (const offset of SLOT_OFFSETS) await this.blobs.patch(id, offset, zeros);
    return this.blobs.delete(id);
  }

  /** Sizes and key ids from the header and file size, without decrypting; null if absent. */
  async stat(id: string): Promise<RecordingStat | null> {
    const st = await this.blobs.stat(id);
    if (!st) return null;
    const header = parseHeader(await this.blobs.read(id, 0, HEADER_SIZE));
    const layout = layoutFor(header.chunkSize, st.size);
    return {
      sizeBytes: layout.plaintextLength,
      storedBytes: st.size,
      chunkSize: header.chunkSize,
      chunks: layout.chunks,
      keyIds: header.slots.flatMap((s) => (s ? [s.keyId] : [])),
      mtime: st.mtime,
    };
  }

  /**
   * Decrypt plaintext bytes [start, end] (inclusive, as in an HTTP Range; both omitted: the whole
   * recording). Reads and decrypts only the chunks covering the range, plus the final chunk
   * (verified up front, so the reported `size` is authentic and a truncated file fails before any
   * response is sent). Throws `BlobNotFoundError`, `RangeNotSatisfiableError`,
   * `MasterKeyUnavailableError` or `StorageIntegrityError` before returning; a corrupt chunk met
   * later errors the stream (the HTTP route must then destroy the response, not end it).
   */
  async openRange(id: string, start?: number, end?: number): Promise<OpenedRange> {
    const st = await this.blobs.stat(id);
    if (!st) throw new BlobNotFoundError(id);
    const header = parseHeader(await this.blobs.read(id, 0, HEADER_SIZE));
    const layout = layoutFor(header.chunkSize, st.size);
    const { dataKey } = unwrapDataKey(header, this.keyring);
    const size = layout.plaintextLength;
    const s = start ?? 0;
    const e = end ?? size - 1;
    if (start !== undefined || end !== undefined) {
      if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e < s || e >= size) {
        throw new RangeNotSatisfiableError(
          size,
          `range ${s}-${e} is outside the ${size}-byte recording`,
        );
      }
    }
    const lastIndex = layout.chunks - 1;
    const first = size === 0 ? 0 : Math.floor(s / layout.chunkSize);
    const last = size === 0 ? 0 : Math.floor(e / layout.chunkSize);
    if (last !== lastIndex) await this.verifyFinalChunk(id, dataKey, header.prefix, layout);
    const a = chunkSpan(layout, first);
    const b = chunkSpan(layout, last);
    const cipher = await this.blobs.getRange(id, a.offset, b.offset + b.length - 1);
    const length = size === 0 ? 0 : e - s + 1;
    const dec = new DecryptStream(
      dataKey,
      header.prefix,
      layout,
      first,
      last,
      s - first * layout.chunkSize,
      length,
    );
    // Errors flow to `dec`; destroying `dec` (client gone) closes the file.
    pipelineCb(cipher, dec, () => undefined);
    return { stream: dec, start: s, end: s + length - 1, length, size };
  }

  /** The whole recording as a plaintext stream. */
  async open(id: string): Promise<Readable> {
    return (await this.openRange(id)).stream;
  }

  /** The whole recording in memory (tests, small files only). */
  async readAll(id: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of await this.open(id)) parts.push(c as Buffer);
    return Buffer.concat(parts);
  }

  /**
   * Rotate one file to `newKey` (default: the keyring's current key), unwrapping with `oldKeyring`
   * (default: this store's keyring). Only the header's key slots are rewritten, in place, each
   * write durable before the next; the audio chunks are not touched.
   */
  async rewrap(
    id: string,
    oldKeyring: Keyring = this.keyring,
    newKey: MasterKey = this.keyring.current,
  ): Promise<RewrapPlan> {
    const head = await this.blobs.read(id, 0, HEADER_SIZE);
    const plan = planRewrap(head, oldKeyring, newKey);
    for (const w of plan.writes) await this.blobs.patch(id, w.offset, w.bytes);
    return plan;
  }

  /**
   * Rewrap every stored recording (or `ids`) to the current master key. Failures are collected,
   * not thrown, so one damaged file does not stop a rotation; re-running is safe (idempotent).
   * `dryRun` plans without writing.
   */
  async rotateKeys(
    options: { ids?: Iterable<string> | AsyncIterable<string>; dryRun?: boolean } = {},
  ): Promise<RotationReport> {
    const report: RotationReport = { rewrapped: 0, alreadyCurrent: 0, failed: [] };
    const ids = options.ids ?? mapIds(this.blobs.list());
    for await (const id of ids) {
      try {
        const plan = options.dryRun
          ? planRewrap(
              await this.blobs.read(id, 0, HEADER_SIZE),
              this.keyring,
              this.keyring.current,
            )
          : await this.rewrap(id);
        if (plan.status === 'rewrap') report.rewrapped++;
        else report.alreadyCurrent++;
      } catch (err) {
        report.failed.push({ id, error: (err as Error).message });
      }
    }
    return report;
  }

  private async verifyFinalChunk(
    id: string,
    dataKey: Buffer,
    prefix: Buffer,
    layout: Layout,
  ): Promise<void> {
    const span = chunkSpan(layout, layout.chunks - 1);
    const sealed = await this.blobs.read(id, span.offset, span.length);
    openChunk(dataKey, prefix, layout.chunks - 1, true, sealed);
  }
}

async function* mapIds(stats: AsyncIterable<{ id: string }>): AsyncIterable<string> {
  for await (const s of stats) yield s.id;
}

function isPrematureClose(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}
