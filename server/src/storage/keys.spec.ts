import { createHash, randomBytes } from 'node:crypto';
import { Keyring, keyringFromEnv, MasterKeyError, masterKeyId, parseMasterKey } from './keys';

describe('parseMasterKey', () => {
  const key = randomBytes(32);

  it('accepts 32 bytes of base64 or base64url and derives the key id', () => {
    const k = parseMasterKey(key.toString('base64'));
    expect(k.key.equals(key)).toBe(true);
    expect(k.id).toBe(createHash('sha256').update(key).digest('hex').slice(0, 8));
    expect(parseMasterKey(` ${key.toString('base64url')}\n`).key.equals(key)).toBe(true);
  });

  it.each([
    ['missing', undefined, /^MASTER_KEY is not set: generate one with `openssl rand -base64 32`$/],
    ['empty', '  ', /^MASTER_KEY is not set/],
    [
      'short',
      randomBytes(16).toString('base64'),
      /^MASTER_KEY decodes to 16 bytes, expected exactly 32/,
    ],
    [
      'long',
      randomBytes(48).toString('base64'),
      /^MASTER_KEY decodes to 48 bytes, expected exactly 32/,
    ],
    ['not base64', 'this is not a key!!', /^MASTER_KEY is not valid base64/],
    ['all zero', Buffer.alloc(32).toString('base64'), /^MASTER_KEY is all zero bytes/],
  ])('rejects a %s key with a message naming MASTER_KEY', (_n, value, message) => {
    expect(() => parseMasterKey(value)).toThrow(MasterKeyError);
    expect(() => parseMasterKey(value)).toThrow(message);
  });

  it('never puts key material in the message', () => {
    const short = randomBytes(31).toString('base64');
    let thrown: unknown;
    try {
      parseMasterKey(short);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MasterKeyError);
    expect((thrown as Error).message).not.toContain(short);
  });
});

describe('Keyring', () => {
  it('looks keys up by id, current first, and reads MASTER_KEYS_PREVIOUS', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const c = randomBytes(32);
    const ring = keyringFromEnv({
      MASTER_KEY: a.toString('base64'),
      MASTER_KEYS_PREVIOUS: `${b.toString('base64')}, ${c.toString('base64')}`,
    });
    expect(ring.current.id).toBe(masterKeyId(a));
    expect(ring.ids).toEqual([masterKeyId(a), masterKeyId(b), masterKeyId(c)]);
    expect(ring.get(masterKeyId(c))?.key.equals(c)).toBe(true);
    expect(ring.get('00000000')).toBeUndefined();
    expect(() =>
      keyringFromEnv({ MASTER_KEY: a.toString('base64'), MASTER_KEYS_PREVIOUS: 'abc' }),
    ).toThrow(/^MASTER_KEYS_PREVIOUS\[0\] /);
    expect(() => keyringFromEnv({})).toThrow(/^MASTER_KEY is not set/);
  });

  it('accepts the same key twice', () => {
    const k = parseMasterKey(randomBytes(32).toString('base64'));
    expect(new Keyring(k, [k]).ids).toEqual([k.id]);
  });
});
