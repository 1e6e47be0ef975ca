import { randomBytes, randomUUID } from 'node:crypto';
import {
  appendFile,
  mkdtemp,
  open,
  readFile,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageIntegrityError, MasterKeyUnavailableError } from '../storage/errors';
import { Keyring, parseMasterKey, type MasterKey } from '../storage/keys';
import { LiveAudioLog } from './live-audio-log';

const newKey = (): MasterKey => parseMasterKey(randomBytes(32).toString('base64'));

describe('LiveAudioLog', () => {
  let dir: string;
  let key: MasterKey;
  let log: LiveAudioLog;
  let id: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cwn-live-'));
    key = newKey();
    log = new LiveAudioLog(dir, new Keyring(key));
    id = randomUUID();
    await log.create(id);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const all = async (l: LiveAudioLog = log) => Buffer.concat(await arrayOf(l.stream(id, key.id)));
  async function arrayOf<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  }

  it('appends in order and gives back exactly what was appended, not in clear on disk', async () => {
    const a = randomBytes(100_000);
    const b = randomBytes(3_000);
    expect(await log.append(id, key.id, 0, a)).toEqual({ kind: 'appended', end: 100_000 });
    expect(await log.append(id, key.id, 100_000, b)).toEqual({ kind: 'appended', end: 103_000 });
    expect((await all()).equals(Buffer.concat([a, b]))).toBe(true);
    expect(
      (await log.read(id, key.id, 65_000, 101_000)).equals(
        Buffer.concat([a, b]).subarray(65_000, 101_000),
      ),
    ).toBe(true);
    const disk = await readFile(join(dir, 'live', id));
    expect(disk.includes(a.subarray(0, 64))).toBe(false);
  });

  it('takes the same bytes again at the same offset as a no-op, and a resend that runs past the end as the new part', async () => {
    const a = randomBytes(10_000);
    await log.append(id, key.id, 0, a);
    const size = (await stat(join(dir, 'live', id))).size;
    expect(await log.append(id, key.id, 0, a)).toEqual({ kind: 'duplicate', end: 10_000 });
    expect(await log.append(id, key.id, 4_000, a.subarray(4_000, 6_000))).toEqual({
      kind: 'duplicate',
      end: 10_000,
    });
    expect((await stat(join(dir, 'live', id))).size).toBe(size);
    const more = randomBytes(5_000);
    expect(await log.append(id, key.id, 8_000, Buffer.concat([a.subarray(8_000), more]))).toEqual({
      kind: 'appended',
      end: 15_000,
    });
    expect((await all()).equals(Buffer.concat([a, more]))).toBe(true);
  });

  it('refuses a gap and an overlap with other bytes, naming the expected offset, and keeps what it had', async () => {
    const a = randomBytes(10_000);
    await log.append(id, key.id, 0, a);
    expect(await log.append(id, key.id, 10_004, randomBytes(10))).toEqual({
      kind: 'gap',
      expected: 10_000,
    });
    const changed = Buffer.from(a.subarray(9_000));
    changed[5] = changed[5]! ^ 1;
    expect(await log.append(id, key.id, 9_000, changed)).toEqual({
      kind: 'conflict',
      expected: 10_000,
    });
    expect((await all()).equals(a)).toBe(true);
  });

  it('serialises concurrent appends: each lands once, in offset order', async () => {
    const parts = Array.from({ length: 20 }, () => randomBytes(1_000));
    const outcomes = await Promise.all(parts.map((p, i) => log.append(id, key.id, i * 1_000, p)));
    expect(outcomes.every((o) => o.kind === 'appended')).toBe(true);
    expect((await all()).equals(Buffer.concat(parts))).toBe(true);
  });

  it('is read back by a new process from the file alone, and cuts off a record torn by a crash', async () => {
    const a = randomBytes(70_000);
    await log.append(id, key.id, 0, a);
    const goodSize = (await stat(join(dir, 'live', id))).size;
    // A crash in the middle of the next append's write: its record is on disk only in part.
    await appendFile(join(dir, 'live', id), Buffer.from([0, 0, 0x10, 0, 1, 2, 3]));
    const restarted = new LiveAudioLog(dir, new Keyring(key));
    expect(await restarted.length(id, key.id)).toBe(70_000);
    // A reader leaves the partial record alone: it may be another replica's append in flight.
    expect((await stat(join(dir, 'live', id))).size).toBe(goodSize + 7);
    expect((await all(restarted)).equals(a)).toBe(true);
    // The next append (the writer, under the cross-process lock) cuts it off and writes in its place.
    expect(await restarted.append(id, key.id, 70_000, Buffer.from('tail'))).toEqual({
      kind: 'appended',
      end: 70_004,
    });
    const reopened = new LiveAudioLog(dir, new Keyring(key));
    expect((await all(reopened)).equals(Buffer.concat([a, Buffer.from('tail')]))).toBe(true);
  });

  it('a reader never cuts bytes another replica is still writing', async () => {
    const a = randomBytes(10_000);
    await log.append(id, key.id, 0, a);
    const file = join(dir, 'live', id);
    // The writer's next record, on disk only in part while a second replica serves a read.
    const whole = await readFile(file);
    await log.append(id, key.id, 10_000, randomBytes(5_000));
    const full = await readFile(file);
    await writeFile(file, full.subarray(0, whole.length + 100));
    const replica = new LiveAudioLog(dir, new Keyring(key));
    expect((await replica.read(id, key.id, 0, 10_000)).equals(a)).toBe(true);
    // the write completes, in place, as the writer's positioned write does
    const fh = await open(file, 'r+');
    await fh.write(full, whole.length + 100, full.length - whole.length - 100, whole.length + 100);
    await fh.close();
    expect((await stat(file)).size).toBe(full.length);
    replica.forget(id);
    expect(await replica.length(id, key.id)).toBe(15_000);
  });

  it('a replica sees another replica’s appends without being told (its index checked per operation)', async () => {
    const replica = new LiveAudioLog(dir, new Keyring(key));
    const a = randomBytes(3_000);
    await log.append(id, key.id, 0, a);
    expect(await replica.length(id, key.id)).toBe(3_000);
    const b = randomBytes(2_000);
    await log.append(id, key.id, 3_000, b);
    expect(await replica.length(id, key.id)).toBe(5_000);
    expect(
      (await replica.read(id, key.id, 2_000, 5_000)).equals(Buffer.concat([a, b]).subarray(2_000)),
    ).toBe(true);
    // and the other way round: the replica writes, the first one resumes from its end
    expect(await replica.append(id, key.id, 5_000, Buffer.from('more'))).toEqual({
      kind: 'appended',
      end: 5_004,
    });
    expect(await log.append(id, key.id, 5_000, Buffer.from('more'))).toEqual({
      kind: 'duplicate',
      end: 5_004,
    });
  });

  it('drops a last record whose bytes are all there but do not authenticate (written out of order)', async () => {
    const first = randomBytes(1_000);
    await log.append(id, key.id, 0, first);
    const file = join(dir, 'live', id);
    const before = await readFile(file);
    await log.append(id, key.id, 1_000, randomBytes(1_000));
    const after = await readFile(file);
    const garbled = Buffer.from(after);
    garbled[before.length + 20] = garbled[before.length + 20]! ^ 0xff;
    await writeFile(file, garbled);
    const restarted = new LiveAudioLog(dir, new Keyring(key));
    expect(await restarted.length(id, key.id)).toBe(1_000);
    const resent = randomBytes(1_000);
    expect(await restarted.append(id, key.id, 1_000, resent)).toEqual({
      kind: 'appended',
      end: 2_000,
    });
    expect((await all(restarted)).equals(Buffer.concat([first, resent]))).toBe(true);
  });

  it('fails loudly on damage before the last record, and without the master key', async () => {
    await log.append(id, key.id, 0, randomBytes(1_000));
    await log.append(id, key.id, 1_000, randomBytes(1_000));
    const file = join(dir, 'live', id);
    const bytes = await readFile(file);
    bytes[30] = bytes[30]! ^ 0xff;
    await writeFile(file, bytes);
    const restarted = new LiveAudioLog(dir, new Keyring(key));
    await expect(restarted.read(id, key.id, 0, 10)).rejects.toThrow(StorageIntegrityError);
    await expect(new LiveAudioLog(dir, new Keyring(newKey())).length(id, key.id)).rejects.toThrow(
      MasterKeyUnavailableError,
    );
  });

  it('refuses ranges outside what it holds, and removes its file', async () => {
    await log.append(id, key.id, 0, randomBytes(100));
    await expect(log.read(id, key.id, 50, 200)).rejects.toThrow(RangeError);
    await expect(log.append(id, key.id, -1, randomBytes(1))).rejects.toThrow(RangeError);
    await log.remove(id);
    await expect(stat(join(dir, 'live', id))).rejects.toThrow('ENOENT');
    await expect(truncate(join(dir, 'live', id))).rejects.toThrow('ENOENT');
  });
});
