import { createHash, hkdfSync } from 'node:crypto';
import { mkdir, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CHUNK_OVERHEAD, openChunk, sealChunk } from '../storage/crypto';
import { MasterKeyUnavailableError, StorageIntegrityError } from '../storage/errors';
import type { Keyring } from '../storage/keys';

/** Plaintext bytes per sealed record at most; an append of more is split. */
const RECORD_BYTES = 64 * 1024;
const LENGTH_BYTES = 4;
const ID = /^[0-9a-f-]{36}$/;

export type AppendOutcome =
  /** The bytes were new and are now durable; `end` is the new length. */
  | { kind: 'appended'; end: number }
  /** The same bytes were already there (a resend): nothing changed. */
  | { kind: 'duplicate'; end: number }
  /** The append starts after the end: bytes in between are missing. */
  | { kind: 'gap'; expected: number }
  /** The append overlaps what is stored with other bytes. */
  | { kind: 'conflict'; expected: number };

interface Record_ {
  /** Plaintext offset of the record's first byte. */
  offset: number;
  length: number;
  /** Position of the record (its length prefix) in the file. */
  position: number;
}

interface OpenLog {
  keyId: string;
  records: Record_[];
  /** Plaintext bytes. */
  end: number;
  /** File bytes. */
  size: number;
  /**
   * Whether bytes past `size` were cut off. Only an append (the writer, under the cross-process
   * lock) cuts: bytes past the last whole record may be another replica's append in flight, which
   * a reader must leave alone.
   */
  cut: boolean;
}

/**
 * The audio of a live recording as it arrives, encrypted, under `STORAGE_DIR/live/<session id>`:
 * an append-only file of records `u32 length || nonce || AES-256-GCM ciphertext || tag`, sealed
 * with a key derived (HKDF-SHA256) from the master key and the session id, and the record's
 * plaintext offset in the additional data, so records cannot be reordered, moved to another
 * session or read without the master key. Appends are offset-addressed: a resend of bytes already
 * held is a no-op, a gap or different bytes are refused with the offset expected. An append is
 * durable (fsync) before it resolves; one torn by a crash is cut off when the log is next opened,
 * so the file itself is the truth about how much arrived. Appends to one log are serialised in this
 * process; the caller holds the cross-process lock. Every operation checks its cached index
 * against the file's size first (one stat, inside the per-log queue), so a replica never works
 * from a stale end and callers have nothing to refresh.
 */
export class LiveAudioLog {
  private readonly dir: string;
  private readonly logs = new Map<string, OpenLog>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    storageDir: string,
    private readonly keyring: Keyring,
  ) {
    this.dir = join(storageDir, 'live');
  }

  async create(id: string, keyId: string = this.keyring.current.id): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const fh = await open(this.path(id), 'wx', 0o600);
    await fh.close();
    this.logs.set(id, { keyId, records: [], end: 0, size: 0, cut: true });
  }

  /** Plaintext bytes held. */
  async length(id: string, keyId: string): Promise<number> {
    return this.serial(id, async () => (await this.load(id, keyId)).end);
  }

  async append(id: string, keyId: string, offset: number, data: Buffer): Promise<AppendOutcome> {
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new RangeError(`invalid offset ${offset}`);
    return this.serial(id, async () => {
      const log = await this.load(id, keyId, true);
      if (offset > log.end) return { kind: 'gap', expected: log.end };
      const overlap = Math.min(data.length, log.end - offset);
      if (overlap > 0) {
        const held = await this.readLoaded(id, log, offset, offset + overlap);
        if (!held.equals(data.subarray(0, overlap))) return { kind: 'conflict', expected: log.end };
      }
      const fresh = data.subarray(overlap);
      if (fresh.length === 0) return { kind: 'duplicate', end: log.end };
      await this.write(id, log, fresh);
      return { kind: 'appended', end: log.end };
    });
  }

  /** Plaintext bytes [start, end), each record authenticated first. */
  async read(id: string, keyId: string, start: number, end: number): Promise<Buffer> {
    return this.serial(id, async () => {
      const log = await this.load(id, keyId);
      if (start < 0 || end > log.end || start > end) {
        throw new RangeError(`range ${start}-${end} is outside the ${log.end} bytes held`);
      }
      return this.readLoaded(id, log, start, end);
    });
  }

  /** Everything held, record by record (for the final recording). */
  async *stream(id: string, keyId: string): AsyncGenerator<Buffer> {
    const log = await this.serial(id, () => this.load(id, keyId));
    const records = [...log.records];
    const { key, prefix } = this.material(id, log.keyId);
    const fh = await open(this.path(id), 'r');
    try {
      for (const r of records) yield await this.openRecord(fh, key, prefix, r);
    } finally {
      await fh.close();
    }
  }

  async remove(id: string): Promise<void> {
    await this.serial(id, async () => {
      this.logs.delete(id);
      await rm(this.path(id), { force: true });
    });
  }

  /** Forgets what this process cached (another replica may have appended). */
  forget(id: string): void {
    this.logs.delete(id);
  }

  private async write(id: string, log: OpenLog, fresh: Buffer): Promise<void> {
    const { key, prefix } = this.material(id, log.keyId);
    const fh = await open(this.path(id), 'r+');
    const before = { records: log.records.length, end: log.end, size: log.size };
    try {
      const parts: Buffer[] = [];
      let position = log.size;
      let offset = log.end;
      const added: Record_[] = [];
      for (let at = 0; at < fresh.length; at += RECORD_BYTES) {
        const plain = fresh.subarray(at, Math.min(fresh.length, at + RECORD_BYTES));
        const len = Buffer.alloc(LENGTH_BYTES);
        len.writeUInt32BE(plain.length);
        const sealed = sealChunk(key, prefix, offset, false, plain);
        parts.push(len, sealed);
        added.push({ offset, length: plain.length, position });
        position += LENGTH_BYTES + sealed.length;
        offset += plain.length;
      }
      const record = Buffer.concat(parts);
      await fh.write(record, 0, record.length, log.size);
      await fh.datasync();
      log.records.push(...added);
      log.end = offset;
      log.size = position;
    } catch (err) {
      await fh.truncate(before.size).catch(() => undefined);
      log.records.length = before.records;
      log.end = before.end;
      log.size = before.size;
      throw err;
    } finally {
      await fh.close();
    }
  }

  private async readLoaded(id: string, log: OpenLog, start: number, end: number): Promise<Buffer> {
    if (start === end) return Buffer.alloc(0);
    const { key, prefix } = this.material(id, log.keyId);
    const first = this.recordAt(log, start);
    const out: Buffer[] = [];
    const fh = await open(this.path(id), 'r');
    try {
      for (let i = first; i < log.records.length && log.records[i]!.offset < end; i++) {
        const r = log.records[i]!;
        const plain = await this.openRecord(fh, key, prefix, r);
        out.push(plain.subarray(Math.max(0, start - r.offset), Math.min(r.length, end - r.offset)));
      }
    } finally {
      await fh.close();
    }
    return Buffer.concat(out);
  }

  /** Index of the record holding plaintext byte `offset` (binary search). */
  private recordAt(log: OpenLog, offset: number): number {
    let lo = 0;
    let hi = log.records.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (log.records[mid]!.offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private async openRecord(
    fh: FileHandle,
    key: Buffer,
    prefix: Buffer,
    r: Record_,
  ): Promise<Buffer> {
    const sealed = Buffer.alloc(r.length + CHUNK_OVERHEAD);
    const got = await fh.read(sealed, 0, sealed.length, r.position + LENGTH_BYTES);
    if (got.bytesRead !== sealed.length)
      throw new StorageIntegrityError('live audio log is truncated');
    return openChunk(key, prefix, r.offset, false, sealed);
  }

  /**
   * The log's index, read from the file when this process has none. For the writer (`cut`), a torn
   * tail is cut off; a reader only leaves it out.
   */
  private async load(id: string, keyId: string, cut = false): Promise<OpenLog> {
    const cached = this.logs.get(id);
    if (cached && (cached.cut || !cut)) {
      // One stat: the file changed size behind this process (another replica appended, or its
      // append is in flight) and the cached index is stale: read it again.
      const { size } = await stat(this.path(id));
      if (size === cached.size) return cached;
      this.logs.delete(id);
    }
    const { key, prefix } = this.material(id, keyId);
    const fh = await open(this.path(id), cut ? 'r+' : 'r');
    try {
      const { size } = await fh.stat();
      const records: Record_[] = [];
      let position = 0;
      let offset = 0;
      const lenBuf = Buffer.alloc(LENGTH_BYTES);
      while (position + LENGTH_BYTES <= size) {
        await fh.read(lenBuf, 0, LENGTH_BYTES, position);
        const n = lenBuf.readUInt32BE(0);
        if (n === 0 || n > RECORD_BYTES || position + LENGTH_BYTES + n + CHUNK_OVERHEAD > size)
          break;
        records.push({ offset, length: n, position });
        position += LENGTH_BYTES + n + CHUNK_OVERHEAD;
        offset += n;
      }
      // A crash can tear only the last record: it is checked here, the others when they are read.
      const last = records[records.length - 1];
      if (last) {
        try {
          await this.openRecord(fh, key, prefix, last);
        } catch (err) {
          if (!(err instanceof StorageIntegrityError)) throw err;
          records.pop();
          position = last.position;
          offset = last.offset;
        }
      }
      if (cut && position < size) await fh.truncate(position);
      const log = { keyId, records, end: offset, size: position, cut: cut || position === size };
      this.logs.set(id, log);
      return log;
    } finally {
      await fh.close();
    }
  }

  private material(id: string, keyId: string): { key: Buffer; prefix: Buffer } {
    const master = this.keyring.get(keyId);
    if (!master) {
      throw new MasterKeyUnavailableError(
        `live recording ${id} was written with master key ${keyId}, which the keyring no longer holds`,
        [keyId],
      );
    }
    const key = Buffer.from(hkdfSync('sha256', master.key, id, 'cwn live audio v1', 32));
    const prefix = createHash('sha256').update(`cwn-live:${id}`).digest();
    return { key, prefix };
  }

  private path(id: string): string {
    if (!ID.test(id)) throw new Error(`invalid live recording id ${JSON.stringify(id)}`);
    return join(this.dir, id);
  }

  private serial<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return next;
  }
}
