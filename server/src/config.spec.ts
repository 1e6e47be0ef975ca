import { ConfigError, loadConfig } from './config';

const valid = {
  DATABASE_URL: 'postgres://u@localhost/db',
  REDIS_URL: 'redis://localhost:6379',
  JWT_SECRET: 'x'.repeat(32),
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
      ]),
    );
  });

  it('treats empty strings as unset', () => {
    expect(problems({ ...valid, DATABASE_URL: '' })).toEqual(['DATABASE_URL is required']);
  });

  it('names an invalid value and says why', () => {
    expect(problems({ ...valid, JWT_SECRET: 'short' })[0]).toMatch(/^JWT_SECRET must be at least 32/);
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
    expect(loadConfig({ ...valid, ADMIN_EMAIL: 'A@B.co', ADMIN_PASSWORD: 'long enough 1' }).firstAdmin).toEqual({
      email: 'a@b.co',
      password: 'long enough 1',
    });
  });

  it('turns extension ids into chrome-extension origins next to CORS_ORIGINS', () => {
    const id = 'abcdefghijklmnopabcdefghijklmnop';
    const c = loadConfig({ ...valid, CORS_ORIGINS: 'https://tv.example, https://pwa.example', EXTENSION_IDS: id });
    expect(c.corsOrigins).toEqual(['https://tv.example', 'https://pwa.example', `chrome-extension://${id}`]);
  });
});
