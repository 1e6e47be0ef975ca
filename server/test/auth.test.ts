import { TokenPair } from '@cwn/protocol';
import { signAccessToken } from '../src/auth/tokens';
import { startTestApp, TEST_PASSWORD, uniqueEmail, type TestApp } from '@cwn/test-support/app';
import { createLogger } from '../src/logger';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function newUser(role: 'agent' | 'admin' = 'agent') {
  const email = uniqueEmail('auth');
  const user = await t.services.users.create({
    email,
    password: TEST_PASSWORD,
    role,
    displayName: 'A',
  });
  return { email, user };
}

describe('POST /api/auth/login', () => {
  it('returns a token pair for the right password', async () => {
    const { email, user } = await newUser();
    const res = await t.http
      .post('/api/auth/login')
      .send({ email: email.toUpperCase(), password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    const pair = TokenPair.parse(res.body);
    expect(pair.user.id).toBe(user.id);
    const ttl = Date.parse(pair.accessTokenExpiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    const me = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${pair.accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(email);
    expect(me.body).not.toHaveProperty('passwordHash');
  });

  it('refuses a wrong password and an unknown email with the same message', async () => {
    const { email } = await newUser();
    const bad = await t.http.post('/api/auth/login').send({ email, password: 'wrong password!' });
    const unknown = await t.http
      .post('/api/auth/login')
      .send({ email: uniqueEmail('nobody'), password: TEST_PASSWORD });
    expect(bad.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(bad.body.error.message).toBe(unknown.body.error.message);
    expect(bad.body.error.code).toBe('unauthorized');
    expect(bad.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses a deactivated account with 403 and a clear message', async () => {
    const { email, user } = await newUser();
    await t.services.users.update(user.id, { active: false });
    const res = await t.http.post('/api/auth/login').send({ email, password: TEST_PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/deactivated/);
  });

  it('answers malformed JSON and missing fields with 400', async () => {
    const malformed = await t.http
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({
      code: 'bad_request',
      message: 'malformed JSON body',
    });
    const missing = await t.http.post('/api/auth/login').send({ email: 'a@b.co' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('validation_failed');
    expect(missing.body.error.message).toMatch(/^body\.password/);
    const text = await t.http
      .post('/api/auth/login')
      .set('Content-Type', 'text/plain')
      .send('hello');
    expect(text.status).toBe(415);
  });

  it('does not log passwords or tokens', async () => {
    const lines: string[] = [];

    const logger = createLogger('info', { write: (s: string) => void lines.push(s) });
    logger.info(
      {
        body: { password: 'hunter2hunter2', refreshToken: 'abc' },
        req: { headers: { authorization: 'Bearer x' } },
      },
      'x',
    );
    expect(lines.join('')).not.toMatch(/hunter2|"abc"|Bearer x/);
  });
});

describe('POST /api/auth/refresh', () => {
  async function login() {
    const { email } = await newUser();
    const res = await t.http.post('/api/auth/login').send({ email, password: TEST_PASSWORD });
    return TokenPair.parse(res.body);
  }

  it('rotates: the new refresh token works, the old one is used', async () => {
    const first = await login();
    const r1 = await t.http.post('/api/auth/refresh').send({ refreshToken: first.refreshToken });
    expect(r1.status).toBe(200);
    const second = TokenPair.parse(r1.body);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const r2 = await t.http.post('/api/auth/refresh').send({ refreshToken: second.refreshToken });
    expect(r2.status).toBe(200);
  });

  it('revokes the whole family when a used token is presented again', async () => {
    const first = await login();
    const second = TokenPair.parse(
      (await t.http.post('/api/auth/refresh').send({ refreshToken: first.refreshToken })).body,
    );
    // An attacker replays the first token: refused, and the legitimate successor dies with it.
    const replay = await t.http
      .post('/api/auth/refresh')
      .send({ refreshToken: first.refreshToken });
    expect(replay.status).toBe(401);
    const successor = await t.http
      .post('/api/auth/refresh')
      .send({ refreshToken: second.refreshToken });
    expect(successor.status).toBe(401);
    const audit = await t.models.AuditLog.findOne({
      where: { action: 'auth.refresh_reuse', actorId: second.user.id },
    });
    expect(audit).not.toBeNull();
  });

  it('lets exactly one of two concurrent refreshes win', async () => {
    const first = await login();
    const results = await Promise.all([
      t.http.post('/api/auth/refresh').send({ refreshToken: first.refreshToken }),
      t.http.post('/api/auth/refresh').send({ refreshToken: first.refreshToken }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('refuses an unknown token and a deactivated user', async () => {
    const unknown = await t.http.post('/api/auth/refresh').send({ refreshToken: 'x'.repeat(43) });
    expect(unknown.status).toBe(401);
    const pair = await login();
    await t.services.users.update(pair.user.id, { active: false });
    const res = await t.http.post('/api/auth/refresh').send({ refreshToken: pair.refreshToken });
    expect(res.status).toBe(401);
  });

  it('logout revokes the session; logging out twice is harmless', async () => {
    const pair = await login();
    expect(
      (await t.http.post('/api/auth/logout').send({ refreshToken: pair.refreshToken })).status,
    ).toBe(204);
    expect(
      (await t.http.post('/api/auth/logout').send({ refreshToken: pair.refreshToken })).status,
    ).toBe(204);
    expect(
      (await t.http.post('/api/auth/refresh').send({ refreshToken: pair.refreshToken })).status,
    ).toBe(401);
  });
});

describe('access tokens on requests', () => {
  it('distinguishes missing, expired and forged tokens', async () => {
    const { user } = await newUser();
    expect((await t.http.get('/api/auth/me')).status).toBe(401);
    const expired = signAccessToken(t.config.jwtSecret, user, 60, new Date(Date.now() - 3_600_000));
    const res = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${expired.token}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('token_expired');
    const forged = signAccessToken('f'.repeat(40), user, 60);
    const bad = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${forged.token}`);
    expect(bad.body.error.code).toBe('unauthorized');
  });

  it('stops working as soon as the user is deactivated', async () => {
    const pair = await t.userWithRole('agent');
    await t.services.users.update(pair.user.id, { active: false });
    const res = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${pair.accessToken}`);
    expect(res.status).toBe(401);
  });
});

describe('login rate limit', () => {
  it('answers 429 with Retry-After once the attempts for one email are used up', async () => {
    const limited = await startTestApp({
      LOGIN_RATE_LIMIT: '3',
      REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-rl`,
    });
    try {
      const { email } = await newUser();
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        codes.push(
          (await limited.http.post('/api/auth/login').send({ email, password: 'wrong password!' }))
            .status,
        );
      }
      expect(codes).toEqual([401, 401, 401, 429]);
      const res = await limited.http
        .post('/api/auth/login')
        .send({ email, password: TEST_PASSWORD });
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('rate_limited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // Another account from the same address is not locked out by it.
      const other = await newUser();
      expect(
        (
          await limited.http
            .post('/api/auth/login')
            .send({ email: other.email, password: TEST_PASSWORD })
        ).status,
      ).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
