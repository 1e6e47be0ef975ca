import { createHash, randomBytes, randomInt } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { WavValidatorStream } from '../audio/wav-validator';
import { httpErrorOf } from '../http/domain-errors';
import { HttpError } from '../http/errors';
import {
  CHUNK_OVERHEAD,
  HEADER_SIZE,
  NONCE_SIZE,
  planRewrap,
  PREFIX_SIZE,
  rewrapFile,
  SLOT_OFFSETS,
  SLOT_SIZE,
} from './crypto';
import { EncryptedAudioStore } from './encrypted-audio-store';
import {
  BlobExistsError,
  BlobNotFoundError,
  MasterKeyUnavailableError,
  RangeNotSatisfiableError,
  StorageIntegrityError,
} from './errors';
import { Keyring, parseMasterKey, type MasterKey } from './keys';
import { LocalBlobStore } from './local-blob-store';

const newKey = (): MasterKey => parseMasterKey(randomBytes(32).toString('base64'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A 16 kHz mono WAV whose PCM is random noise (distinctive, incompressible). */
function wav(pcmBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + pcmBytes, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(16000, 24);
  h.writeUInt32LE(32000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(pcmBytes, 40);
  return Buffer.concat([h, randomBytes(pcmBytes)]);
}

/** Split into uneven pieces so chunk boundaries never line up with writes. */
function pieces(b: Buffer): Readable {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length;) {
    const n = 1 + randomInt(100_000);
    out.push(b.subarray(i, i + n));
    i += n;
  }
  return Readable.from(out);
}

async function collect(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function* abortingSource(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
  await new Promise((r) => setTimeout(r, 5));
  throw new Error('connection reset by peer');
}

/** Files under `dir` this process still has open (Linux: /proc/self/fd). */
function openFilesUnder(dir: string): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(dir) ? [target] : [];
    } catch {
      return []; // closed meanwhile (e.g. the descriptor readdir itself used)
    }
  });
}

/**
 * Waits (up to 2 s) for streams that ended or were destroyed to close their files, then returns
 * what is still open: a descriptor left to the garbage collector ("Closing file descriptor N on
 * garbage collection", DEP0137) shows up here.
 */
async function filesLeftOpen(dir: string): Promise<string[]> {
  for (let i = 0; i < 40 && openFilesUnder(dir).length; i++)
    await new Promise((r) => setTimeout(r, 50));
  return openFilesUnder(dir);
}

/** A rejection as the HTTP edge answers it (the store's and the validator's own errors, mapped in one place). */
const asHttp = (p: Promise<unknown>) =>
  p.catch((err: unknown) => {
    throw httpErrorOf(err) ?? err;
  });

describe('EncryptedAudioStore', () => {
  let dir: string;
  let blobs: LocalBlobStore;
  let keyA: MasterKey;
  let store: EncryptedAudioStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cwn-enc-'));
    blobs = await LocalBlobStore.open(dir);
    keyA = newKey();
    store = new EncryptedAudioStore(blobs, new Keyring(keyA));
  });
  afterEach(async () => {
    // Every test reads or destroys what it opened; nothing is left to the garbage collector.
    const open = await filesLeftOpen(dir);
    await rm(dir, { recursive: true, force: true });
    expect(open).toEqual([]);
  });

  /** The read must reject (openRange or the stream); returns the error. */
  async function readFails(s: EncryptedAudioStore, id: string): Promise<Error> {
    let got: Buffer | undefined;
    try {
      got = await s.readAll(id);
    } catch (err) {
      expect(err).toEqual(expect.any(Error));
      expect([StorageIntegrityError, MasterKeyUnavailableError].some((c) => err instanceof c)).toBe(
        true,
      );
      return err as Error;
    }
    throw new Error(`read succeeded (${got.length} bytes) but should have failed`);
  }

  it('stores no plaintext on disk: no slice of the PCM, not even the RIFF header', async () => {
    const plain = wav(1_000_000);
    const res = await store.put('rec', pieces(plain));
    const disk = await readFile(blobs.pathOf('rec'));
    expect(res.storedBytes).toBe(disk.length);
    for (let i = 0; i < 50; i++) {
      const at = randomInt(plain.length - 16);
      expect(disk.indexOf(plain.subarray(at, at + 16))).toBe(-1);
    }
    expect(disk.indexOf(Buffer.from('RIFF'))).toBe(-1);
    expect(disk.indexOf(Buffer.from('WAVEfmt'))).toBe(-1);
    expect(disk.indexOf(plain.subarray(44, 44 + 8))).toBe(-1);
  });

  const CS = 64 * 1024;
  it.each([0, 1, CS - 1, CS, CS + 1, 2 * CS, 3 * 1024 * 1024 + 17])(
    'round-trips %d bytes bit-exact',
    async (n) => {
      const plain = randomBytes(n);
      const res = await store.put(`r${n}`, pieces(plain));
      const chunks = Math.max(1, Math.ceil(n / CS));
      expect(res).toEqual({
        id: `r${n}`,
        sizeBytes: n,
        sha256: sha(plain),
        keyId: keyA.id,
        storedBytes: HEADER_SIZE + n + chunks * CHUNK_OVERHEAD,
      });
      expect((await store.readAll(`r${n}`)).equals(plain)).toBe(true);
      expect(await store.stat(`r${n}`)).toMatchObject({
        sizeBytes: n,
        chunks,
        keyIds: [keyA.id],
        chunkSize: CS,
      });
    },
  );

  it('fails every read when any single byte is flipped (every position, two flip patterns)', async () => {
    const small = new EncryptedAudioStore(blobs, new Keyring(keyA), { chunkSize: 32 });
    const plain = randomBytes(100); // 4 chunks: 32, 32, 32, 4
    await small.put('f', Readable.from([plain]));
    const path = blobs.pathOf('f');
    const good = await readFile(path);
    expect(good.length).toBe(HEADER_SIZE + 100 + 4 * CHUNK_OVERHEAD);
    for (let pos = 0; pos < good.length; pos++) {
      for (const mask of [0x01, 0xff]) {
        const bad = Buffer.from(good);
        bad[pos]! ^= mask;
        await writeFile(path, bad);
        await readFails(small, 'f');
      }
    }
    await writeFile(path, good);
    expect((await small.readAll('f')).equals(plain)).toBe(true);
  });

  it('names the kind of damage for each region of a default-chunk file', async () => {
    const plain = randomBytes(3 * CS + 500);
    await store.put('g', Readable.from([plain]));
    const path = blobs.pathOf('g');
    const good = await readFile(path);
    const chunk1 = HEADER_SIZE + (CS + CHUNK_OVERHEAD);
    const last = HEADER_SIZE + 3 * (CS + CHUNK_OVERHEAD);
    const regions: Array<[string, number, RegExp]> = [
      ['magic', 0, /bad magic/],
      ['chunk size', 10, /.+/],
      ['file id', 20, /wrapped data key does not authenticate/],
      [
        'key id',
        SLOT_OFFSETS[0] + 5,
        /wrapped with master key [0-9a-f]{8}, which the keyring does not hold/,
      ],
      ['wrap nonce', SLOT_OFFSETS[0] + 10, /wrapped data key does not authenticate/],
      ['wrapped key', SLOT_OFFSETS[0] + 30, /wrapped data key does not authenticate/],
      ['wrap tag', SLOT_OFFSETS[0] + 60, /wrapped data key does not authenticate/],
      ['empty slot', SLOT_OFFSETS[1] + 3, /key slot 1/],
      ['header padding', 200, /reserved bytes/],
      ['chunk nonce', chunk1 + 3, /chunk 1 failed authentication/],
      ['ciphertext', chunk1 + NONCE_SIZE + 1000, /chunk 1 failed authentication/],
      ['chunk tag', chunk1 + NONCE_SIZE + CS + 5, /chunk 1 failed authentication/],
      ['final chunk', last + 20, /chunk 3 \(final\) failed authentication/],
    ];
    for (const [, pos, message] of regions) {
      const bad = Buffer.from(good);
      bad[pos]! ^= 0x20;
      await writeFile(path, bad);
      expect((await readFails(store, 'g')).message).toMatch(message);
    }
  });

  it('fails on a truncated file, at every length, never returning short data', async () => {
    const small = new EncryptedAudioStore(blobs, new Keyring(keyA), { chunkSize: 32 });
    await small.put('t', Readable.from([randomBytes(100)]));
    const path = blobs.pathOf('t');
    const good = await readFile(path);
    for (let len = 0; len < good.length; len++) {
      await writeFile(path, good.subarray(0, len));
      await readFails(small, 't');
    }
    // Default chunks: cut exactly at a chunk boundary (the final-chunk flag catches it).
    await store.put('t2', Readable.from([randomBytes(3 * CS)]));
    await truncate(blobs.pathOf('t2'), HEADER_SIZE + 2 * (CS + CHUNK_OVERHEAD));
    expect((await readFails(store, 't2')).message).toMatch(
      /chunk 1 \(final\) failed authentication/,
    );
  });

  it('fails when two chunks are swapped, or a chunk comes from another file', async () => {
    const stride = CS + CHUNK_OVERHEAD;
    await store.put('s', Readable.from([randomBytes(3 * CS + 10)]));
    await store.put('o', Readable.from([randomBytes(3 * CS + 10)]));
    const path = blobs.pathOf('s');
    const good = await readFile(path);
    const other = await readFile(blobs.pathOf('o'));
    const c0 = good.subarray(HEADER_SIZE, HEADER_SIZE + stride);
    const c1 = good.subarray(HEADER_SIZE + stride, HEADER_SIZE + 2 * stride);
    await writeFile(
      path,
      Buffer.concat([
        good.subarray(0, HEADER_SIZE),
        c1,
        c0,
        good.subarray(HEADER_SIZE + 2 * stride),
      ]),
    );
    expect((await readFails(store, 's')).message).toMatch(/chunk 0 failed authentication/);
    // Chunk 1 of another file (same key, same position).
    const spliced = Buffer.from(good);
    other.copy(spliced, HEADER_SIZE + stride, HEADER_SIZE + stride, HEADER_SIZE + 2 * stride);
    await writeFile(path, spliced);
    expect((await readFails(store, 's')).message).toMatch(/chunk 1 failed authentication/);
    // Another file's header on this body.
    await writeFile(
      path,
      Buffer.concat([other.subarray(0, HEADER_SIZE), good.subarray(HEADER_SIZE)]),
    );
    await readFails(store, 's');
    // Appended bytes.
    await writeFile(path, Buffer.concat([good, randomBytes(CHUNK_OVERHEAD + 5)]));
    await readFails(store, 's');
  });

  it('range reads return exactly the slice asked for', async () => {
    const plain = randomBytes(5 * CS + 1234);
    await store.put('rg', pieces(plain));
    const size = plain.length;
    const edges: Array<[number, number]> = [
      [0, 0],
      [size - 1, size - 1],
      [0, size - 1],
      [CS - 1, CS],
      [CS, CS],
      [CS - 1, 2 * CS],
      [2 * CS + 5, 4 * CS + 7],
      [5 * CS, size - 1],
    ];
    for (let i = 0; i < 150; i++) {
      const a = randomInt(size);
      const b = Math.min(size - 1, a + randomInt(i % 3 === 0 ? 300_000 : 2000));
      edges.push([a, b]);
    }
    for (const [a, b] of edges) {
      const r = await store.openRange('rg', a, b);
      expect({ start: r.start, end: r.end, length: r.length, size: r.size }).toEqual({
        start: a,
        end: b,
        length: b - a + 1,
        size,
      });
      const got = await collect(r.stream);
      expect(got.equals(plain.subarray(a, b + 1))).toBe(true);
    }
    const whole = await store.openRange('rg');
    expect(whole).toMatchObject({ start: 0, end: size - 1, length: size, size });
    // Not read: the caller owns the stream and must destroy it, which closes the file.
    whole.stream.destroy();
    await expect(store.openRange('rg', size, size)).rejects.toBeInstanceOf(
      RangeNotSatisfiableError,
    );
    await expect(store.openRange('rg', 5, 4)).rejects.toBeInstanceOf(RangeNotSatisfiableError);
    await expect(store.openRange('nope')).rejects.toBeInstanceOf(BlobNotFoundError);
    const empty = await store.put('e', Readable.from([]));
    expect(empty.sizeBytes).toBe(0);
    expect(await store.openRange('e')).toMatchObject({ length: 0, size: 0 });
    await expect(store.openRange('e', 0, 0)).rejects.toBeInstanceOf(RangeNotSatisfiableError);
  });

  it('range reads on tiny chunks: every (start, end) pair of a 70-byte file', async () => {
    const small = new EncryptedAudioStore(blobs, new Keyring(keyA), { chunkSize: 16 });
    const plain = randomBytes(70);
    await small.put('tiny', Readable.from([plain]));
    for (let a = 0; a < 70; a++) {
      for (let b = a; b < 70; b++) {
        const got = await collect((await small.openRange('tiny', a, b)).stream);
        expect(got.equals(plain.subarray(a, b + 1))).toBe(true);
      }
    }
  });

  it('a range read touches only its chunks (plus the final one), and a bad chunk inside it errors the stream', async () => {
    const plain = randomBytes(6 * CS);
    await store.put('part', Readable.from([plain]));
    const path = blobs.pathOf('part');
    const bad = await readFile(path);
    bad[HEADER_SIZE + 4 * (CS + CHUNK_OVERHEAD) + 100]! ^= 1; // chunk 4
    await writeFile(path, bad);
    // Chunks 0-1 are intact: the read succeeds without decrypting chunk 4.
    expect(
      (await collect((await store.openRange('part', 10, 2 * CS - 1)).stream)).equals(
        plain.subarray(10, 2 * CS),
      ),
    ).toBe(true);
    // Chunks 3-5: openRange resolves (final chunk fine), the stream errors at chunk 4 after
    // releasing only chunk 3's authenticated bytes.
    const r = await store.openRange('part', 3 * CS, 6 * CS - 1);
    const got: Buffer[] = [];
    await expect(
      (async () => {
        for await (const c of r.stream) got.push(c as Buffer);
      })(),
    ).rejects.toThrow(/chunk 4 failed authentication/);
    // Whatever arrived before the error (possibly nothing: a destroyed stream drops its buffer) is
    // a prefix of chunk 3's authenticated plaintext, never a byte of chunk 4.
    const received = Buffer.concat(got);
    expect(received.length).toBeLessThanOrEqual(CS);
    expect(received.equals(plain.subarray(3 * CS, 3 * CS + received.length))).toBe(true);
  });

  it('fails clearly with the wrong master key', async () => {
    await store.put('k', Readable.from([randomBytes(1000)]));
    const keyB = newKey();
    const wrong = new EncryptedAudioStore(blobs, new Keyring(keyB));
    const err = await readFails(wrong, 'k');
    expect(err).toBeInstanceOf(MasterKeyUnavailableError);
    expect(err.message).toBe(
      `the recording's data key is wrapped with master key ${keyA.id}, which the keyring does not hold (it holds ${keyB.id}); add the old key to MASTER_KEYS_PREVIOUS`,
    );
    // A key that claims the right id but is different (forged keyring entry) fails authentication.
    const impostor = new EncryptedAudioStore(blobs, new Keyring({ id: keyA.id, key: keyB.key }));
    expect((await readFails(impostor, 'k')).message).toMatch(
      /wrapped data key does not authenticate under master key/,
    );
  });

  it('rotates master keys by rewrapping headers only; old files stay readable', async () => {
    const plains = [randomBytes(200_000), randomBytes(10), randomBytes(0)];
    for (const [i, p] of plains.entries()) await store.put(`rot${i}`, Readable.from([p]));
    const before = await Promise.all(plains.map((_p, i) => readFile(blobs.pathOf(`rot${i}`))));
    const old = new Date('2024-05-01T00:00:00Z');
    await utimes(blobs.pathOf('rot0'), old, old);

    const keyB = newKey();
    const rotating = new EncryptedAudioStore(blobs, new Keyring(keyB, [keyA]));
    expect(await rotating.rotateKeys({ dryRun: true })).toEqual({
      rewrapped: 3,
      alreadyCurrent: 0,
      failed: [],
    });
    expect((await readFile(blobs.pathOf('rot0'))).equals(before[0]!)).toBe(true);
    expect(await rotating.rotateKeys()).toEqual({ rewrapped: 3, alreadyCurrent: 0, failed: [] });
    expect(await rotating.rotateKeys()).toEqual({ rewrapped: 0, alreadyCurrent: 3, failed: [] });

    const onlyB = new EncryptedAudioStore(blobs, new Keyring(keyB));
    for (const [i, p] of plains.entries()) {
      const after = await readFile(blobs.pathOf(`rot${i}`));
      // Same size, same immutable prefix, same chunks: only the key slots changed.
      expect(after.length).toBe(before[i]!.length);
      expect(after.subarray(0, PREFIX_SIZE).equals(before[i]!.subarray(0, PREFIX_SIZE))).toBe(true);
      expect(after.subarray(HEADER_SIZE).equals(before[i]!.subarray(HEADER_SIZE))).toBe(true);
      expect(after.subarray(0, HEADER_SIZE).equals(before[i]!.subarray(0, HEADER_SIZE))).toBe(
        false,
      );
      expect((await onlyB.readAll(`rot${i}`)).equals(p)).toBe(true);
      expect((await onlyB.stat(`rot${i}`))!.keyIds).toEqual([keyB.id]);
      // The old key alone no longer opens it.
      expect(await readFails(store, `rot${i}`)).toBeInstanceOf(MasterKeyUnavailableError);
    }
    expect((await stat(blobs.pathOf('rot0'))).mtime.getTime()).toBe(old.getTime());
  });

  it('survives a rotation interrupted between its two writes, and the next run finishes it', async () => {
    const plain = randomBytes(5000);
    await store.put('crash', Readable.from([plain]));
    const keyB = newKey();
    const path = blobs.pathOf('crash');
    const head = (await readFile(path)).subarray(0, HEADER_SIZE);
    const plan = planRewrap(head, new Keyring(keyA), keyB);
    expect(plan.status).toBe('rewrap');
    expect(plan.writes.map((w) => [w.offset, w.bytes.length])).toEqual([
      [SLOT_OFFSETS[1], SLOT_SIZE],
      [SLOT_OFFSETS[0], SLOT_SIZE],
    ]);
    await blobs.patch('crash', plan.writes[0]!.offset, plan.writes[0]!.bytes); // "crash" here
    expect(
      (await new EncryptedAudioStore(blobs, new Keyring(keyA)).readAll('crash')).equals(plain),
    ).toBe(true);
    expect(
      (await new EncryptedAudioStore(blobs, new Keyring(keyB)).readAll('crash')).equals(plain),
    ).toBe(true);
    // A torn second write (old slot half zeroed) still leaves the new slot usable.
    await blobs.patch('crash', SLOT_OFFSETS[0] + 30, Buffer.alloc(10));
    expect(
      (await new EncryptedAudioStore(blobs, new Keyring(keyB, [keyA])).readAll('crash')).equals(
        plain,
      ),
    ).toBe(true);
    // The low-level file rewrap finishes the job (clears the stale slot).
    const done = await rewrapFile(path, new Keyring(keyA), keyB);
    expect(done.status).toBe('current');
    expect(done.writes).toHaveLength(1);
    const final = await readFile(path);
    expect(final.subarray(SLOT_OFFSETS[0], SLOT_OFFSETS[0] + SLOT_SIZE).every((b) => b === 0)).toBe(
      true,
    );
    expect(
      (await new EncryptedAudioStore(blobs, new Keyring(keyB)).readAll('crash')).equals(plain),
    ).toBe(true);
  });

  it('reports files it cannot rotate without stopping', async () => {
    await store.put('fine', Readable.from([randomBytes(10)]));
    await blobs.put('junk', Readable.from([Buffer.from('not encrypted')]));
    const report = await new EncryptedAudioStore(blobs, new Keyring(newKey(), [keyA])).rotateKeys();
    expect(report.rewrapped).toBe(1);
    expect(report.failed).toEqual([
      { id: 'junk', error: expect.stringMatching(/truncated|magic/) },
    ]);
  });

  describe('an aborted or refused put leaves no file', () => {
    const nothingStored = async () => {
      for await (const s of blobs.list()) throw new Error(`unexpected blob ${s.id}`);
      expect(await blobs.sweepTemp(0)).toBe(0);
    };

    it('source errors mid-way', async () => {
      await expect(store.put('a', abortingSource(randomBytes(300_000)))).rejects.toThrow(
        'connection reset by peer',
      );
      await nothingStored();
    });

    it('a through-validator rejects the audio (415), before or at the end of the body', async () => {
      const bad = wav(32000);
      bad.writeUInt32LE(44100, 24);
      await expect(
        asHttp(store.put('v', Readable.from([bad]), { through: [new WavValidatorStream()] })),
      ).rejects.toMatchObject({
        status: 415,
        message: 'sample rate 44100 Hz, expected 16000',
      });
      const short = wav(32000).subarray(0, 20000);
      const err = await store
        .put('v', pieces(short), { through: [new WavValidatorStream()] })
        .catch((e: unknown) => httpErrorOf(e) ?? e);
      expect(err).toBeInstanceOf(HttpError);
      expect(err).toMatchObject({
        status: 400,
        message: 'data chunk declares 32000 bytes but the body ends after 19956 of them',
      });
      await nothingStored();
    });

    it('the sha256 does not match the client’s', async () => {
      await expect(
        asHttp(
          store.put('h', Readable.from([randomBytes(100)]), { expectedSha256: 'a'.repeat(64) }),
        ),
      ).rejects.toMatchObject({
        status: 400,
        message: expect.stringMatching(
          /^sha256 mismatch: the body hashes to [0-9a-f]{64}, the client sent a{64}$/,
        ),
      });
      await nothingStored();
    });

    it('beforeCommit throws, or the id already exists (the first file is kept intact)', async () => {
      await expect(
        store.put('b', Readable.from([randomBytes(100)]), {
          beforeCommit: () => {
            throw new Error('row insert failed');
          },
        }),
      ).rejects.toThrow('row insert failed');
      await nothingStored();
      const first = randomBytes(1000);
      await store.put('dup', Readable.from([first]));
      await expect(store.put('dup', Readable.from([randomBytes(1000)]))).rejects.toBeInstanceOf(
        BlobExistsError,
      );
      expect((await store.readAll('dup')).equals(first)).toBe(true);
    });
  });

  it('validates, hashes and encrypts an upload in one pass', async () => {
    const body = wav(3 * 32000);
    const v = new WavValidatorStream();
    let seen: unknown;
    const res = await store.put('up', pieces(body), {
      through: [v],
      expectedSha256: sha(body),
      beforeCommit: (info) => {
        seen = { ...info, wav: v.result };
      },
    });
    expect(seen).toEqual({
      sizeBytes: body.length,
      sha256: sha(body),
      wav: expect.objectContaining({ durationMs: 3000, channels: 1 }),
    });
    expect(res.sha256).toBe(sha(body));
    expect((await store.readAll('up')).equals(body)).toBe(true);
  });
  it('destroys a recording: both key slots wiped before the file goes, so a copy of it is unreadable', async () => {
    const body = wav(32000);
    await store.put('shred', Readable.from([body]));
    const path = join(dir, 'objects', 'sh', 'shred');
    let copyAfter: Buffer | undefined;
    const realDelete = blobs.delete.bind(blobs);
    blobs.delete = async (id: string) => {
      copyAfter = await readFile(path); // what was on disk at the moment of deletion
      return realDelete(id);
    };
    expect(await store.destroy('shred')).toBe(true);
    expect(await store.exists('shred')).toBe(false);
    expect(await store.destroy('shred')).toBe(false);
    // At deletion time the header held no key at all: both slots are zeros.
    for (const offset of SLOT_OFFSETS)
      expect(copyAfter!.subarray(offset, offset + SLOT_SIZE).equals(Buffer.alloc(SLOT_SIZE))).toBe(
        true,
      );
    // The audio chunks are the copy's, but without a slot nothing opens them.
    await writeFile(path, copyAfter!);
    await readFails(store, 'shred');
  });
});
