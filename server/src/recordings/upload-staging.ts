import { createHash, hkdfSync } from 'node:crypto';
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HttpError } from '../http/errors';
import { CHUNK_OVERHEAD, openChunk, sealChunk } from '../storage/crypto';
import { MasterKeyUnavailableError, StorageIntegrityError } from '../storage/errors';
import type { Keyring } from '../storage/keys';

/** Plaintext bytes per sealed record (the last record of a PATCH may be shorter). */
const RECORD_BYTES = 64 * 1024;
const LENGTH_BYTES = 4;
const ID = /^[0-9a-f-]{36}$/;

export interface StagedState {
  id: string;
  keyId: string;
  /** Plaintext bytes staged so far. */
  offset: number;
  /** File bytes holding them. */
  stagedBytes: number;
}

/**
 * Partial resumable uploads, staged encrypted under `STORAGE_DIR/uploads/<session id>`: the bytes
 * of each PATCH are sealed in records `u32 length || nonce || AES-256-GCM ciphertext || tag` with a
 * key derived (HKDF-SHA256) from the master key and the session id, and the record's plaintext
 * offset in the AAD, so records cannot be reordered, spliced from another session or read without
 * the master key. A PATCH is appended whole or not at all: on any error the file is truncated
 * back to where it was.
 */
export class UploadStaging {
  private readonly dir: string;

  constructor(
    storageDir: string,
    private readonly keyring: Keyring,
  ) {
    this.dir = join(storageDir, 'uploads');
  }

  private path(id: string): string {
    if (!ID.test(id)) throw new Error(`invalid upload session id ${JSON.stringify(id)}`);
    return join(this.dir, id);
  }

  private material(id: string, keyId: string): { key: Buffer; prefix: Buffer } {
    const master = this.keyring.get(keyId);
    if (!master) {
      throw new MasterKeyUnavailableError(
        `upload ${id} was staged with master key ${keyId}, which the keyring no longer holds`,
        [keyId],
      );
    }
    const key = Buffer.from(hkdfSync('sha256', master.key, id, 'cwn upload staging v1', 32));
    const prefix = createHash('sha256').update(`cwn-staging:${id}`).digest();
    return { key, prefix };
  }

  async create(id: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const fh = await open(this.path(id), 'wx', 0o600);
    await fh.close();
  }

  /**
   * Append `source` after the staged bytes, at most `maxBytes` of it (more is a 413 and nothing
   * is kept). `inspect` sees each plaintext piece before it is written (the WAV header check).
   * Resolves with the new state once the bytes are durable.
   */
  async append(
    state: StagedState,
    source: AsyncIterable<Buffer>,
    maxBytes: number,
    inspect?: (piece: Buffer) => void,
  ): Promise<StagedState> {
    const { key, prefix } = this.material(state.id, state.keyId);
    const fh = await open(this.path(state.id), 'r+');
    let offset = state.offset;
    let position = state.stagedBytes;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (all: boolean) => {
      while (pendingBytes >= RECORD_BYTES || (all && pendingBytes > 0)) {
        const joined = Buffer.concat(pending, pendingBytes);
        const plain = joined.subarray(0, Math.min(RECORD_BYTES, joined.length));
        const rest = joined.subarray(plain.length);
        pending = rest.length ? [rest] : [];
        pendingBytes = rest.length;
        const sealed = sealChunk(key, prefix, offset, false, plain);
        const len = Buffer.alloc(LENGTH_BYTES);
        len.writeUInt32BE(plain.length);
        const record = Buffer.concat([len, sealed]);
        await fh.write(record, 0, record.length, position);
        position += record.length;
        offset += plain.length;
      }
    };
    try {
      let received = 0;
      for await (const piece of source) {
        received += piece.length;
        if (received > maxBytes) {
          throw HttpError.payloadTooLarge(
            `this PATCH goes past Upload-Length: at most ${maxBytes} more bytes are expected`,
          );
        }
        inspect?.(piece);
        pending.push(piece);
        pendingBytes += piece.length;
        await flush(false);
      }
      await flush(true);
      await fh.datasync();
      return { ...state, offset, stagedBytes: position };
    } catch (err) {
      await fh.truncate(state.stagedBytes).catch(() => undefined);
      throw err;
    } finally {
      await fh.close();
    }
  }

  /** The staged plaintext, each record authenticated before it is released. */
  async *read(state: StagedState): AsyncGenerator<Buffer> {
    const { key, prefix } = this.material(state.id, state.keyId);
    const fh = await open(this.path(state.id), 'r');
    try {
      let position = 0;
      let offset = 0;
      const lenBuf = Buffer.alloc(LENGTH_BYTES);
      while (position < state.stagedBytes) {
        const got = await fh.read(lenBuf, 0, LENGTH_BYTES, position);
        if (got.bytesRead !== LENGTH_BYTES)
          throw new StorageIntegrityError('staged upload is truncated');
        const n = lenBuf.readUInt32BE(0);
        if (n === 0 || n > RECORD_BYTES)
          throw new StorageIntegrityError('staged upload has a corrupt record');
        const sealed = Buffer.alloc(n + CHUNK_OVERHEAD);
        const r = await fh.read(sealed, 0, sealed.length, position + LENGTH_BYTES);
        if (r.bytesRead !== sealed.length)
          throw new StorageIntegrityError('staged upload is truncated');
        yield openChunk(key, prefix, offset, false, sealed);
        position += LENGTH_BYTES + sealed.length;
        offset += n;
      }
      if (offset !== state.offset)
        throw new StorageIntegrityError('staged upload is shorter than its offset');
    } finally {
      await fh.close();
    }
  }

  async remove(id: string): Promise<void> {
    await rm(this.path(id), { force: true });
  }

  /** Staged files (session ids), for sweeping files whose session row is gone. */
  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => ID.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}
