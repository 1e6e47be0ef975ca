import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  BlobExistsError,
  BlobNotFoundError,
  InvalidBlobIdError,
  RangeNotSatisfiableError,
} from './errors';
import { LocalBlobStore } from './local-blob-store';

async function collect(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function* failingSource(bytes: Buffer, err: Error): AsyncGenerator<Buffer> {
  yield bytes;
  await new Promise((r) => setTimeout(r, 5));
  throw err;
}

describe('LocalBlobStore', () => {
  let dir: string;
  let store: LocalBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cwn-blob-'));
    store = await LocalBlobStore.open(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const allFiles = async () =>
    (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());

  it('puts, stats, reads ranges, lists and deletes; files are 0600 and dirs 0700', async () => {
    const data = randomBytes(300_000);
    const st = await store.put(
      'rec-1',
      Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
    );
    expect(st.size).toBe(data.length);
    expect(await store.exists('rec-1')).toBe(true);
    expect((await stat(store.pathOf('rec-1'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'objects'))).mode & 0o777).toBe(0o700);
    expect((await collect(await store.getRange('rec-1'))).equals(data)).toBe(true);
    expect((await collect(await store.getRange('rec-1', 5, 10))).equals(data.subarray(5, 11))).toBe(
      true,
    );
    expect((await store.read('rec-1', 299_990, 100)).equals(data.subarray(299_990))).toBe(true);
    await expect(store.getRange('rec-1', 0, data.length)).rejects.toBeInstanceOf(
      RangeNotSatisfiableError,
    );
    const ids: string[] = [];
    for await (const s of store.list()) ids.push(s.id);
    expect(ids).toEqual(['rec-1']);
    expect(await store.delete('rec-1')).toBe(true);
    expect(await store.delete('rec-1')).toBe(false);
    expect(await store.stat('rec-1')).toBeNull();
    await expect(store.getRange('rec-1')).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('stores an empty blob', async () => {
    await store.put('empty', Readable.from([]));
    expect((await collect(await store.getRange('empty'))).length).toBe(0);
  });

  it('leaves no file when the source aborts mid-way', async () => {
    await expect(
      store.put('aborted', failingSource(randomBytes(100_000), new Error('client went away'))),
    ).rejects.toThrow('client went away');
    expect(await store.exists('aborted')).toBe(false);
    expect(await allFiles()).toEqual([]);
  });

  it('leaves no file when beforeCommit throws', async () => {
    await expect(
      store.put('vetoed', Readable.from([Buffer.from('abc')]), {
        beforeCommit: () => {
          throw new Error('no row');
        },
      }),
    ).rejects.toThrow('no row');
    expect(await allFiles()).toEqual([]);
  });

  it('never overwrites an existing blob', async () => {
    await store.put('once', Readable.from([Buffer.from('first')]));
    await expect(store.put('once', Readable.from([Buffer.from('second')]))).rejects.toBeInstanceOf(
      BlobExistsError,
    );
    expect((await readFile(store.pathOf('once'))).toString()).toBe('first');
    // Two concurrent puts of one id: exactly one wins.
    const results = await Promise.allSettled([
      store.put('race', Readable.from([Buffer.from('a')])),
      store.put('race', Readable.from([Buffer.from('b')])),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await allFiles()).map((f) => f.name).sort()).toEqual(['once', 'race']);
  });

  it.each([
    '../etc/passwd',
    '..',
    'a/b',
    'a\\b',
    '',
    '.hidden',
    '-x',
    'x'.repeat(129),
    'a\0b',
    'é',
  ])('rejects the id %j (path traversal and odd names)', async (id) => {
    await expect(store.put(id, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(
      InvalidBlobIdError,
    );
    await expect(store.getRange(id)).rejects.toBeInstanceOf(InvalidBlobIdError);
    await expect(store.delete(id)).rejects.toBeInstanceOf(InvalidBlobIdError);
    expect(await allFiles()).toEqual([]);
  });

  it('patches in place, durably, keeping size and mtime', async () => {
    await store.put('p', Readable.from([Buffer.from('hello world')]));
    const old = new Date('2020-01-02T03:04:05Z');
    await utimes(store.pathOf('p'), old, old);
    await store.patch('p', 6, Buffer.from('WORLD'));
    expect((await readFile(store.pathOf('p'))).toString()).toBe('hello WORLD');
    expect((await store.stat('p'))!.mtime.getTime()).toBe(old.getTime());
    await expect(store.patch('p', 8, Buffer.from('toolong'))).rejects.toThrow(RangeError);
  });

  it('lists blobs older than a cutoff and sweeps stale temp files', async () => {
    await store.put('old-one', Readable.from([Buffer.from('1')]));
    await store.put('new-one', Readable.from([Buffer.from('2')]));
    const long = new Date('2021-01-01T00:00:00Z');
    await utimes(store.pathOf('old-one'), long, long);
    const old: string[] = [];
    for await (const s of store.listOlderThan(new Date('2022-01-01T00:00:00Z'))) old.push(s.id);
    expect(old).toEqual(['old-one']);
    await writeFile(join(dir, 'tmp', 'x.part'), 'junk');
    expect(await store.sweepTemp(60_000, Date.now())).toBe(0);
    expect(await store.sweepTemp(60_000, Date.now() + 120_000)).toBe(1);
  });
});
