import { createECDH } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './config';

const valid = {
  DATABASE_URL: 'postgres://u@localhost/db',
  REDIS_URL: 'redis://localhost:6379',
  JWT_SECRET: 'x'.repeat(32),
  MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  WORKER_TOKEN: 'w'.repeat(32),
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults to a minimal valid environment', () => {
    const c = loadConfig(valid);
    expect(c.port).toBe(3000);
    expect(c.accessTokenTtlSeconds).toBe(900);
    expect(c.redisPrefix).toBe('cwn');
    expect(c.firstAdmin).toBeNull();
    expect(c.migrateOnStart).toBe(true);
  });

  it('names every missing required variable', () => {
    const p = problems({});
    expect(p).toEqual(
      expect.arrayContaining([
        'DATABASE_URL is required',
        'REDIS_URL is required',
        'JWT_SECRET is required',
        'WORKER_TOKEN is required',
        expect.stringMatching(/^MASTER_KEY is not set/),
      ]),
    );
  });

  it('treats empty strings as unset', () => {
    expect(problems({ ...valid, DATABASE_URL: '' })).toEqual(['DATABASE_URL is required']);
  });

  it('names an invalid value and says why', () => {
    expect(problems({ ...valid, JWT_SECRET: 'short' })[0]).toMatch(
      /^JWT_SECRET must be at least 32/,
    );
    expect(problems({ ...valid, PORT: 'eighty' })[0]).toMatch(/^PORT /);
    expect(problems({ ...valid, DATABASE_URL: 'mysql://x' })[0]).toBe(
      'DATABASE_URL must be a postgres:// URL',
    );
    expect(problems({ ...valid, EXTENSION_IDS: 'not-an-id' })[0]).toMatch(/^EXTENSION_IDS/);
  });

  it('requires ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(problems({ ...valid, ADMIN_EMAIL: 'a@b.co' })).toEqual([
      'ADMIN_EMAIL and ADMIN_PASSWORD must be set together',
    ]);
    expect(
      loadConfig({ ...valid, ADMIN_EMAIL: 'A@B.co', ADMIN_PASSWORD: 'long enough 1' }).firstAdmin,
    ).toEqual({
      email: 'a@b.co',
      password: 'long enough 1',
    });
  });

  it('turns extension ids into chrome-extension origins next to CORS_ORIGINS', () => {
    const id = 'abcdefghijklmnopabcdefghijklmnop';
    const c = loadConfig({
      ...valid,
      CORS_ORIGINS: 'https://tv.example, https://pwa.example',
      EXTENSION_IDS: id,
    });
    expect(c.corsOrigins).toEqual([
      'https://tv.example',
      'https://pwa.example',
      `chrome-extension://${id}`,
    ]);
  });

  it('reads the storage settings with their defaults', () => {
    const c = loadConfig(valid);
    expect(c.storageDir).toBe(resolve('./.data/audio'));
    expect(c.maxRecordingSeconds).toBe(14_400);
    expect(c.workerToken).toBe('w'.repeat(32));
    expect(c.keyring.ids).toHaveLength(1);
    const other = Buffer.alloc(32, 9).toString('base64');
    const c2 = loadConfig({
      ...valid,
      STORAGE_DIR: '/srv/audio',
      MAX_RECORDING_SECONDS: '60',
      MASTER_KEYS_PREVIOUS: other,
    });
    expect(c2.storageDir).toBe('/srv/audio');
    expect(c2.maxRecordingSeconds).toBe(60);
    expect(c2.keyring.ids).toHaveLength(2);
  });

  it('stops on a missing, short or malformed master key, naming the variable without key material', () => {
    const { MASTER_KEY: _omit, ...noKey } = valid;
    expect(problems(noKey)).toEqual([expect.stringMatching(/^MASTER_KEY is not set/)]);
    const short = Buffer.alloc(16, 3).toString('base64');
    const p = problems({ ...valid, MASTER_KEY: short });
    expect(p).toEqual([
      expect.stringMatching(/^MASTER_KEY decodes to 16 bytes, expected exactly 32/),
    ]);
    expect(p.join()).not.toContain(short);
    expect(problems({ ...valid, MASTER_KEY: 'not base64 !' })[0]).toMatch(
      /^MASTER_KEY is not valid base64/,
    );
    expect(problems({ ...valid, MASTER_KEYS_PREVIOUS: 'abc' })[0]).toMatch(
      /^MASTER_KEYS_PREVIOUS\[0\]/,
    );
  });

  it('requires a long WORKER_TOKEN and a sane MAX_RECORDING_SECONDS', () => {
    expect(problems({ ...valid, WORKER_TOKEN: 'short' })[0]).toMatch(
      /^WORKER_TOKEN must be at least 32/,
    );
    expect(problems({ ...valid, MAX_RECORDING_SECONDS: '0' })[0]).toMatch(
      /^MAX_RECORDING_SECONDS /,
    );
  });
});

describe('loadConfig: Web Push (VAPID)', () => {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const vapid = {
    VAPID_PUBLIC_KEY: ecdh.getPublicKey().toString('base64url'),
    VAPID_PRIVATE_KEY: ecdh.getPrivateKey().toString('base64url'),
    VAPID_SUBJECT: 'mailto:ops@example.org',
  };

  it('is off without any VAPID variable, on with all three', () => {
    expect(loadConfig(valid).vapid).toBeNull();
    expect(
      loadConfig({ ...valid, VAPID_PUBLIC_KEY: '', VAPID_PRIVATE_KEY: '', VAPID_SUBJECT: '' })
        .vapid,
    ).toBeNull();
    expect(loadConfig({ ...valid, ...vapid }).vapid).toEqual({
      publicKey: vapid.VAPID_PUBLIC_KEY,
      privateKey: vapid.VAPID_PRIVATE_KEY,
      subject: 'mailto:ops@example.org',
    });
  });

  it('refuses a partial set, naming what is missing', () => {
    const p = problems({ ...valid, VAPID_PUBLIC_KEY: vapid.VAPID_PUBLIC_KEY });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^VAPID_PRIVATE_KEY, VAPID_SUBJECT must be set too/);
    expect(
      problems({
        ...valid,
        VAPID_PUBLIC_KEY: vapid.VAPID_PUBLIC_KEY,
        VAPID_PRIVATE_KEY: vapid.VAPID_PRIVATE_KEY,
      })[0],
    ).toMatch(/^VAPID_SUBJECT must be set too/);
  });

  it('refuses malformed keys and subjects without echoing key material', () => {
    const p = problems({
      ...valid,
      VAPID_PUBLIC_KEY: vapid.VAPID_PUBLIC_KEY.slice(0, 40),
      VAPID_PRIVATE_KEY: `${vapid.VAPID_PRIVATE_KEY}AAAA`,
      VAPID_SUBJECT: 'ops@example.org',
    });
    expect(p).toEqual([
      expect.stringMatching(/^VAPID_PUBLIC_KEY must be a raw uncompressed P-256 public key/),
      expect.stringMatching(/^VAPID_PRIVATE_KEY must be a raw P-256 private key/),
      expect.stringMatching(/^VAPID_SUBJECT must be a mailto: address or an https:\/\/ URL/),
    ]);
    expect(p.join('\n')).not.toContain(vapid.VAPID_PRIVATE_KEY.slice(0, 20));
    // With the other variables broken too, every problem is reported at once.
    expect(problems({ ...valid, JWT_SECRET: 'short', VAPID_SUBJECT: 'mailto:a@b.c' })).toHaveLength(
      2,
    );
  });
});
