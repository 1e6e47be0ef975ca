import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  randomFillSync,
  type Hash,
} from 'node:crypto';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { MasterKeyUnavailableError, StorageIntegrityError } from './errors';
import type { Keyring, MasterKey } from './keys';

/**
 * The encrypted recording format ("CWNE" v1). See ./DESIGN.md for the full layout and rationale.
 *
 *   [header: 256 bytes] [chunk 0] [chunk 1] ... [chunk n-1]
 *   chunk i = nonce (12) || AES-256-GCM ciphertext (chunkSize bytes, the last 0..chunkSize) || tag (16)
 *   chunk AAD = header prefix (32 bytes: magic, version, cipher, chunk size, file id) || u64be(i) || u8(final)
 *
 * The last chunk, and only it, is sealed with final = 1, so truncation at a chunk boundary is
 * detected; the index in the AAD detects reordering; the file id and a per-file data key detect
 * chunks moved between files. Plaintext is released only after its chunk's tag has verified.
 */

export const MAGIC = Buffer.from('CWNE', 'latin1');
export const FORMAT_VERSION = 1;
export const CIPHER_AES_256_GCM = 1;
export const HEADER_SIZE = 256;
export const PREFIX_SIZE = 32;
export const SLOT_SIZE = 68;
export const SLOT_OFFSETS = [PREFIX_SIZE, PREFIX_SIZE + SLOT_SIZE] as const;
export const SLOT_TAG = Buffer.from('KEY1', 'latin1');
export const NONCE_SIZE = 12;
export const TAG_SIZE = 16;
export const CHUNK_OVERHEAD = NONCE_SIZE + TAG_SIZE;
export const DATA_KEY_SIZE = 32;
export const FILE_ID_SIZE = 16;
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const MIN_CHUNK_SIZE = 16;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

const ALGO = 'aes-256-gcm';

export interface KeySlot {
  index: 0 | 1;
  keyId: string;
  nonce: Buffer;
  wrapped: Buffer;
  tag: Buffer;
  /** The slot's first 8 bytes (tag + key id), bound into the wrap's AAD. */
  head: Buffer;
}

export interface FileHeader {
  version: number;
  chunkSize: number;
  fileId: Buffer;
  /** The 32 immutable bytes bound into every chunk's AAD. */
  prefix: Buffer;
  slots: Array<KeySlot | null>;
}

export interface Layout {
  chunkSize: number;
  chunks: number;
  plaintextLength: number;
  /** Plaintext bytes in the last (final) chunk. */
  lastChunkPlain: number;
}

function checkChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunk size must be an integer in [${MIN_CHUNK_SIZE}, ${MAX_CHUNK_SIZE}]`);
  }
}

function wrapAad(prefix: Buffer, head: Buffer): Buffer {
  return Buffer.concat([prefix, head]);
}

function slotHead(keyId: string): Buffer {
  return Buffer.concat([SLOT_TAG, Buffer.from(keyId, 'hex')]);
}

/** Encrypt a data key under a master key into a 68-byte slot. */
export function sealSlot(prefix: Buffer, master: MasterKey, dataKey: Buffer): Buffer {
  const head = slotHead(master.id);
  const nonce = randomBytes(NONCE_SIZE);
  const c = createCipheriv(ALGO, master.key, nonce, { authTagLength: TAG_SIZE });
  c.setAAD(wrapAad(prefix, head));
  const wrapped = Buffer.concat([c.update(dataKey), c.final()]);
  return Buffer.concat([head, nonce, wrapped, c.getAuthTag()]);
}

/** A fresh header (random file id, random data key wrapped in slot 0) for a new file. */
export function newHeader(
  master: MasterKey,
  chunkSize = DEFAULT_CHUNK_SIZE,
): { header: Buffer; dataKey: Buffer; prefix: Buffer } {
  checkChunkSize(chunkSize);
  const header = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(header, 0);
  header.writeUInt8(FORMAT_VERSION, 4);
  header.writeUInt8(CIPHER_AES_256_GCM, 5);
  header.writeUInt32BE(chunkSize, 8);
  randomFillSync(header, 12, FILE_ID_SIZE);
  const prefix = Buffer.from(header.subarray(0, PREFIX_SIZE));
  const dataKey = randomBytes(DATA_KEY_SIZE);
  sealSlot(prefix, master, dataKey).copy(header, SLOT_OFFSETS[0]);
  return { header, dataKey, prefix };
}

const isZero = (b: Buffer) => b.every((x) => x === 0);

/** Parse and sanity-check a header. Every byte is either authenticated later or checked here. */
export function parseHeader(buf: Buffer): FileHeader {
  if (buf.length < HEADER_SIZE) {
    throw new StorageIntegrityError(
      `encrypted file is truncated: ${buf.length} bytes, shorter than its ${HEADER_SIZE}-byte header`,
    );
  }
  if (!buf.subarray(0, 4).equals(MAGIC))
    throw new StorageIntegrityError('not an encrypted recording (bad magic)');
  const version = buf.readUInt8(4);
  if (version !== FORMAT_VERSION)
    throw new StorageIntegrityError(`unsupported encrypted file version ${version}`);
  if (buf.readUInt8(5) !== CIPHER_AES_256_GCM)
    throw new StorageIntegrityError(`unknown cipher id ${buf.readUInt8(5)}`);
  if (
    !isZero(buf.subarray(6, 8)) ||
    !isZero(buf.subarray(28, 32)) ||
    !isZero(buf.subarray(PREFIX_SIZE + 2 * SLOT_SIZE, HEADER_SIZE))
  ) {
    throw new StorageIntegrityError(
      'encrypted file header is corrupt (reserved bytes are not zero)',
    );
  }
  const chunkSize = buf.readUInt32BE(8);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new StorageIntegrityError(`encrypted file header is corrupt (chunk size ${chunkSize})`);
  }
  const slots = SLOT_OFFSETS.map((off, index): KeySlot | null => {
    const s = buf.subarray(off, off + SLOT_SIZE);
    if (isZero(s)) return null;
    if (!s.subarray(0, 4).equals(SLOT_TAG)) {
      throw new StorageIntegrityError(`encrypted file header is corrupt (key slot ${index})`);
    }
    return {
      index: index as 0 | 1,
      keyId: s.subarray(4, 8).toString('hex'),
      head: Buffer.from(s.subarray(0, 8)),
      nonce: Buffer.from(s.subarray(8, 20)),
      wrapped: Buffer.from(s.subarray(20, 52)),
      tag: Buffer.from(s.subarray(52, 68)),
    };
  });
  if (!slots.some(Boolean))
    throw new StorageIntegrityError('encrypted file header holds no wrapped data key');
  return {
    version,
    chunkSize,
    fileId: Buffer.from(buf.subarray(12, 28)),
    prefix: Buffer.from(buf.subarray(0, PREFIX_SIZE)),
    slots,
  };
}

function tryUnwrap(prefix: Buffer, slot: KeySlot, master: MasterKey): Buffer | null {
  try {
    const d = createDecipheriv(ALGO, master.key, slot.nonce, { authTagLength: TAG_SIZE });
    d.setAAD(wrapAad(prefix, slot.head));
    d.setAuthTag(slot.tag);
    return Buffer.concat([d.update(slot.wrapped), d.final()]);
  } catch {
    return null;
  }
}

/**
 * Recover the data key. Slots whose key id the keyring holds are tried (the current key first);
 * a slot that fails to authenticate is skipped so that a torn rotation write cannot lock a file
 * while the other slot is intact.
 */
export function unwrapDataKey(
  header: FileHeader,
  keyring: Keyring,
): { dataKey: Buffer; keyId: string; slot: KeySlot } {
  const used = header.slots.filter((s): s is KeySlot => s !== null);
  const known = used
    .filter((s) => keyring.get(s.keyId))
    .sort(
      (a, b) => Number(b.keyId === keyring.current.id) - Number(a.keyId === keyring.current.id),
    );
  for (const slot of known) {
    const dataKey = tryUnwrap(header.prefix, slot, keyring.get(slot.keyId)!);
    if (dataKey) return { dataKey, keyId: slot.keyId, slot };
  }
  if (known.length > 0) {
    throw new StorageIntegrityError(
      `the wrapped data key does not authenticate under master key ${known.map((s) => s.keyId).join(', ')}: header corrupt or tampered`,
    );
  }
  const ids = used.map((s) => s.keyId);
  throw new MasterKeyUnavailableError(
    `the recording's data key is wrapped with master key ${ids.join(' or ')}, which the keyring does not hold (it holds ${keyring.ids.join(', ')}); add the old key to MASTER_KEYS_PREVIOUS`,
    ids,
  );
}

/** Derive the chunk layout from the chunk size and the stored file size. */
export function layoutFor(chunkSize: number, fileSize: number): Layout {
  const body = fileSize - HEADER_SIZE;
  if (body < 0)
    throw new StorageIntegrityError(
      `encrypted file is truncated: ${fileSize} bytes, shorter than its header`,
    );
  const stride = chunkSize + CHUNK_OVERHEAD;
  const full = Math.floor(body / stride);
  const rem = body % stride;
  let chunks: number;
  let lastChunkPlain: number;
  if (rem === 0) {
    if (full === 0)
      throw new StorageIntegrityError(
        'encrypted file is truncated: it holds a header and no chunks',
      );
    chunks = full;
    lastChunkPlain = chunkSize;
  } else if (rem < CHUNK_OVERHEAD) {
    throw new StorageIntegrityError(
      `encrypted file is truncated or padded: ${rem} stray bytes after the last whole chunk`,
    );
  } else {
    chunks = full + 1;
    lastChunkPlain = rem - CHUNK_OVERHEAD;
  }
  return {
    chunkSize,
    chunks,
    lastChunkPlain,
    plaintextLength: (chunks - 1) * chunkSize + lastChunkPlain,
  };
}

/** Offset in the file of chunk `i`, and its sealed length. */
export function chunkSpan(layout: Layout, i: number): { offset: number; length: number } {
  const plain = i === layout.chunks - 1 ? layout.lastChunkPlain : layout.chunkSize;
  return {
    offset: HEADER_SIZE + i * (layout.chunkSize + CHUNK_OVERHEAD),
    length: plain + CHUNK_OVERHEAD,
  };
}

function chunkAad(prefix: Buffer, index: number, final: boolean): Buffer {
  const aad = Buffer.alloc(PREFIX_SIZE + 9);
  prefix.copy(aad, 0);
  aad.writeBigUInt64BE(BigInt(index), PREFIX_SIZE);
  aad.writeUInt8(final ? 1 : 0, PREFIX_SIZE + 8);
  return aad;
}

export function sealChunk(
  dataKey: Buffer,
  prefix: Buffer,
  index: number,
  final: boolean,
  plain: Buffer,
): Buffer {
  const out = Buffer.allocUnsafe(plain.length + CHUNK_OVERHEAD);
  const nonce = randomFillSync(out, 0, NONCE_SIZE).subarray(0, NONCE_SIZE);
  const c = createCipheriv(ALGO, dataKey, nonce, { authTagLength: TAG_SIZE });
  c.setAAD(chunkAad(prefix, index, final));
  const ct = c.update(plain);
  ct.copy(out, NONCE_SIZE);
  const tail = c.final();
  tail.copy(out, NONCE_SIZE + ct.length);
  c.getAuthTag().copy(out, NONCE_SIZE + plain.length);
  return out;
}

/** Decrypt one sealed chunk; throws `StorageIntegrityError` if it does not authenticate. */
export function openChunk(
  dataKey: Buffer,
  prefix: Buffer,
  index: number,
  final: boolean,
  sealed: Buffer,
): Buffer {
  if (sealed.length < CHUNK_OVERHEAD)
    throw new StorageIntegrityError(`chunk ${index} is truncated`);
  const d = createDecipheriv(ALGO, dataKey, sealed.subarray(0, NONCE_SIZE), {
    authTagLength: TAG_SIZE,
  });
  d.setAAD(chunkAad(prefix, index, final));
  d.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
  const plain = d.update(sealed.subarray(NONCE_SIZE, sealed.length - TAG_SIZE));
  try {
    d.final();
  } catch {
    throw new StorageIntegrityError(
      `encrypted chunk ${index}${final ? ' (final)' : ''} failed authentication: the file is corrupt, truncated, reordered or tampered`,
    );
  }
  return plain;
}

/**
 * Plaintext in, encrypted file out (header first), in constant memory: one chunk is held back so
 * that the last one can be sealed as final when the input ends. After 'end', `plaintextBytes` and
 * `sha256` (hex, of the plaintext) describe what was encrypted.
 */
export class EncryptStream extends Transform {
  plaintextBytes = 0;
  sha256: string | undefined;
  private readonly hash: Hash = createHash('sha256');
  private buf: Buffer;
  private fill = 0;
  private index = 0;
  private headerSent = false;

  constructor(
    private readonly header: Buffer,
    private readonly dataKey: Buffer,
    private readonly chunkSize: number,
  ) {
    super({ readableHighWaterMark: 4 * (chunkSize + CHUNK_OVERHEAD) });
    checkChunkSize(chunkSize);
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  private sendHeader(): void {
    if (!this.headerSent) {
      this.push(this.header);
      this.headerSent = true;
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.sendHeader();
    this.plaintextBytes += chunk.length;
    this.hash.update(chunk);
    let off = 0;
    while (off < chunk.length) {
      if (this.fill === this.chunkSize) {
        // More input after a full chunk: that chunk is not the last one.
        this.push(
          sealChunk(
            this.dataKey,
            this.header.subarray(0, PREFIX_SIZE),
            this.index++,
            false,
            this.buf,
          ),
        );
        this.fill = 0;
      }
      const n = Math.min(this.chunkSize - this.fill, chunk.length - off);
      chunk.copy(this.buf, this.fill, off, off + n);
      this.fill += n;
      off += n;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.sendHeader();
    this.push(
      sealChunk(
        this.dataKey,
        this.header.subarray(0, PREFIX_SIZE),
        this.index++,
        true,
        this.buf.subarray(0, this.fill),
      ),
    );
    this.sha256 = this.hash.digest('hex');
    cb();
  }
}

/**
 * Ciphertext of chunks [first, last] in, the plaintext bytes [skip, skip + take) of their
 * concatenation out. A chunk's plaintext is pushed only after its tag verified; a bad chunk, or
 * input that ends early, errors the stream.
 */
export class DecryptStream extends Transform {
  private parts: Buffer[] = [];
  private have = 0;
  private index: number;
  private toSkip: number;
  private toTake: number;

  constructor(
    private readonly dataKey: Buffer,
    private readonly prefix: Buffer,
    private readonly layout: Layout,
    first: number,
    private readonly last: number,
    skip: number,
    take: number,
  ) {
    super({ readableHighWaterMark: 4 * layout.chunkSize });
    this.index = first;
    this.toSkip = skip;
    this.toTake = take;
  }

  private need(): number {
    return chunkSpan(this.layout, this.index).length;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parts.push(chunk);
    this.have += chunk.length;
    try {
      while (this.index <= this.last && this.have >= this.need()) {
        const need = this.need();
        const all = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.have);
        const sealed = all.subarray(0, need);
        const rest = all.subarray(need);
        this.parts = rest.length ? [rest] : [];
        this.have = rest.length;
        const plain = openChunk(
          this.dataKey,
          this.prefix,
          this.index,
          this.index === this.layout.chunks - 1,
          sealed,
        );
        this.index++;
        const from = Math.min(this.toSkip, plain.length);
        this.toSkip -= from;
        const n = Math.min(plain.length - from, this.toTake);
        this.toTake -= n;
        if (n > 0) this.push(plain.subarray(from, from + n));
      }
      if (this.index > this.last && this.have > 0)
        throw new StorageIntegrityError('unexpected bytes after the requested chunks');
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.index <= this.last || this.toTake > 0) {
      cb(
        new StorageIntegrityError(
          `encrypted file ended before chunk ${this.index} was complete: truncated`,
        ),
      );
      return;
    }
    cb();
  }
}

/** One in-place write of a rewrap: write `bytes` at `offset`, then make it durable. */
export interface HeaderWrite {
  offset: number;
  bytes: Buffer;
}

export type RewrapPlan =
  | { status: 'current'; keyId: string; writes: HeaderWrite[] }
  | { status: 'rewrap'; fromKeyId: string; keyId: string; writes: HeaderWrite[] };

/**
 * Plan a master-key rotation for one file from its header alone. The data key is unwrapped with
 * `oldKeyring` and wrapped with `newKey` into the OTHER slot; then the old slot is zeroed. Apply
 * the writes in order, each made durable (fsync) before the next: a crash at any point leaves at
 * least one valid slot, and re-running the plan finishes the job (idempotent).
 */
export function planRewrap(headerBuf: Buffer, oldKeyring: Keyring, newKey: MasterKey): RewrapPlan {
  const header = parseHeader(headerBuf);
  const newSlot = header.slots.find(
    (s) => s?.keyId === newKey.id && tryUnwrap(header.prefix, s, newKey),
  );
  if (newSlot) {
    // Already wrapped with the new key; finish an interrupted rotation by clearing the other slot.
    const other = SLOT_OFFSETS[1 - newSlot.index]!;
    const stale = !isZero(headerBuf.subarray(other, other + SLOT_SIZE));
    return {
      status: 'current',
      keyId: newKey.id,
      writes: stale ? [{ offset: other, bytes: Buffer.alloc(SLOT_SIZE) }] : [],
    };
  }
  const { dataKey, keyId, slot } = unwrapDataKey(header, oldKeyring);
  const target = 1 - slot.index;
  return {
    status: 'rewrap',
    fromKeyId: keyId,
    keyId: newKey.id,
    writes: [
      { offset: SLOT_OFFSETS[target]!, bytes: sealSlot(header.prefix, newKey, dataKey) },
      { offset: SLOT_OFFSETS[slot.index]!, bytes: Buffer.alloc(SLOT_SIZE) },
    ],
  };
}

/**
 * Rotate one local file in place: only its header's key slots change (the audio chunks are never
 * read or rewritten); each write is fsynced; the file's mtime is preserved so that retention by
 * age is not reset by a rotation.
 */
export async function rewrapFile(
  path: string,
  oldKeyring: Keyring,
  newKey: MasterKey,
): Promise<RewrapPlan> {
  const fh = await open(path, 'r+');
  try {
    const st = await fh.stat();
    const head = Buffer.alloc(HEADER_SIZE);
    const { bytesRead } = await fh.read(head, 0, HEADER_SIZE, 0);
    const plan = planRewrap(head.subarray(0, bytesRead), oldKeyring, newKey);
    for (const w of plan.writes) {
      await fh.write(w.bytes, 0, w.bytes.length, w.offset);
      await fh.datasync();
    }
    if (plan.writes.length) await fh.utimes(st.atime, st.mtime);
    return plan;
  } finally {
    await fh.close();
  }
}
