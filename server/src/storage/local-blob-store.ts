import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import {
  link,
  mkdir,
  open,
  readdir,
  rename,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import {
  assertValidBlobId,
  isValidBlobId,
  type BlobStat,
  type BlobStore,
  type PutOptions,
} from './blob-store';
import { BlobExistsError, BlobNotFoundError, RangeNotSatisfiableError } from './errors';

/**
 * `BlobStore` on a local disk under `root` (STORAGE_DIR):
 *
 *   root/objects/<first two characters of id>/<id>   committed blobs, mode 0600, dirs 0700
 *   root/tmp/<id>.<random>.part                          uploads in progress
 *
 * A put writes the temp file, fsyncs it, then hard-links it to its final name (link fails if the
 * name exists, so a commit never clobbers) and fsyncs the directory. An aborted put unlinks its
 * temp file; temp files left by a crash are removed by `sweepTemp`. Ids are validated against a
 * strict pattern and the resolved path is checked to stay under the root, so no id can escape it.
 */
export class LocalBlobStore implements BlobStore {
  readonly root: string;
  private readonly objects: string;
  private readonly tmp: string;

  private constructor(root: string) {
    this.root = resolve(root);
    this.objects = join(this.root, 'objects');
    this.tmp = join(this.root, 'tmp');
  }

  /** Create the directories (0700) if needed and return the store. */
  static async open(root: string): Promise<LocalBlobStore> {
    const s = new LocalBlobStore(root);
    await mkdir(s.objects, { recursive: true, mode: 0o700 });
    await mkdir(s.tmp, { recursive: true, mode: 0o700 });
    return s;
  }

  /** The file path of a blob (exposed for tools and tests). */
  pathOf(id: string): string {
    assertValidBlobId(id);
    const p = join(this.objects, id.slice(0, 2), id);
    if (!p.startsWith(this.objects + sep)) throw new Error('blob path escapes the store root');
    return p;
  }

  async put(
    id: string,
    source: AsyncIterable<Buffer | Uint8Array>,
    options: PutOptions = {},
  ): Promise<BlobStat> {
    const final = this.pathOf(id);
    if (await this.exists(id)) {
      discard(source);
      throw new BlobExistsError(id);
    }
    const dir = join(this.objects, id.slice(0, 2));
    const tmp = join(this.tmp, `${id}.${randomBytes(8).toString('hex')}.part`);
    let fh: FileHandle | undefined = await open(
      tmp,
      fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL,
      0o600,
    );
    try {
      await fh.chmod(0o600);
      let size = 0;
      for await (const chunk of source) {
        const buf = Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        let off = 0;
        while (off < buf.length) {
          const { bytesWritten } = await fh.write(buf, off, buf.length - off, size + off);
          off += bytesWritten;
        }
        size += buf.length;
      }
      await fh.sync();
      await fh.close();
      fh = undefined;
      await options.beforeCommit?.(size);
      // Only now: a refused upload leaves no empty shard folder behind.
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await commit(tmp, final, id);
      await syncDir(dir);
      const st = await stat(final);
      return { id, size: st.size, mtime: st.mtime };
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  async getRange(id: string, start = 0, end?: number): Promise<Readable> {
    const fh = await this.openExisting(id, 'r');
    try {
      const { size } = await fh.stat();
      const last = end ?? size - 1;
      if (!(
        Number.isInteger(start) &&
        Number.isInteger(last) &&
        start >= 0 &&
        (size === 0 ? last === -1 && start === 0 : start <= last && last < size)
      )) {
        throw new RangeNotSatisfiableError(
          size,
          `range ${start}-${last} is outside the ${size}-byte blob ${id}`,
        );
      }
      if (last < start) {
        await fh.close();
        return Readable.from([]);
      }
      // The stream owns the handle now and closes it when done: a delete during the read is harmless.
      return fh.createReadStream({ start, end: last, highWaterMark: 256 * 1024 });
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async read(id: string, offset: number, length: number): Promise<Buffer> {
    const fh = await this.openExisting(id, 'r');
    try {
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  }

  async patch(id: string, offset: number, bytes: Buffer): Promise<void> {
    const fh = await this.openExisting(id, 'r+');
    try {
      const st = await fh.stat();
      if (offset < 0 || offset + bytes.length > st.size) {
        throw new RangeError(
          `patch ${offset}+${bytes.length} is outside the ${st.size}-byte blob ${id}`,
        );
      }
      let off = 0;
      while (off < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, off, bytes.length - off, offset + off);
        off += bytesWritten;
      }
      await fh.datasync();
      await fh.utimes(st.atime, st.mtime);
    } finally {
      await fh.close();
    }
  }

  async delete(id: string): Promise<boolean> {
    try {
      await unlink(this.pathOf(id));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async exists(id: string): Promise<boolean> {
    return (await this.stat(id)) !== null;
  }

  async stat(id: string): Promise<BlobStat | null> {
    try {
      const st = await stat(this.pathOf(id));
      return st.isFile() ? { id, size: st.size, mtime: st.mtime } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async *list(): AsyncIterable<BlobStat> {
    for (const shard of await readdir(this.objects)) {
      let names: string[];
      try {
        names = await readdir(join(this.objects, shard));
      } catch {
        continue;
      }
      for (const name of names) {
        if (!isValidBlobId(name) || name.slice(0, 2) !== shard) continue;
        const st = await this.stat(name);
        if (st) yield st;
      }
    }
  }

  async *listOlderThan(cutoff: Date): AsyncIterable<BlobStat> {
    for await (const st of this.list()) if (st.mtime.getTime() < cutoff.getTime()) yield st;
  }

  /** Remove temp files older than `maxAgeMs` (left by a crash mid-upload). Returns how many. */
  async sweepTemp(maxAgeMs = 24 * 60 * 60 * 1000, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tmp)) {
      const p = join(this.tmp, name);
      try {
        if (now - (await stat(p)).mtimeMs >= maxAgeMs) {
          await unlink(p);
          removed++;
        }
      } catch {
        // Raced with the upload that owns it finishing: fine.
      }
    }
    return removed;
  }

  private async openExisting(id: string, flags: 'r' | 'r+'): Promise<FileHandle> {
    try {
      return await open(this.pathOf(id), flags);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(id);
      throw err;
    }
  }
}

async function commit(tmp: string, final: string, id: string): Promise<void> {
  try {
    await link(tmp, final);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new BlobExistsError(id);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS')
      throw err;
    // A filesystem without hard links: rename, after a (racy but best-effort) existence check.
    try {
      await stat(final);
      throw new BlobExistsError(id);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await rename(tmp, final);
    return;
  }
  await unlink(tmp);
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the data itself is already durable.
  } finally {
    await fh.close();
  }
}

/** Stop a source we will not read (a stream is destroyed so its producer stops). */
function discard(source: AsyncIterable<unknown>): void {
  const s = source as { destroy?: () => void };
  if (typeof s.destroy === 'function') s.destroy();
}
