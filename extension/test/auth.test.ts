/**
 * The extension's session handling (src/background/auth.ts) against the REAL server: login stores
 * the tokens, an access token about to expire is refreshed (rotating the refresh token), logout
 * clears them locally and revokes the refresh token on the server. chrome.storage.local is an
 * in-memory stand-in with the same promise API.
 */
import { startTestApp, TEST_PASSWORD, uniqueEmail, type TestApp } from '@cwn/test-support/app';
import { TokenPair } from '@cwn/protocol';

const store = new Map<string, unknown>();
(globalThis as unknown as { chrome: unknown }).chrome = {
  storage: {
    local: {
      async get(key: string) {
        return store.has(key) ? { [key]: structuredClone(store.get(key)) } : {};
      },
      async set(items: Record<string, unknown>) {
        for (const [k, v] of Object.entries(items)) store.set(k, structuredClone(v));
      },
      async remove(key: string) {
        store.delete(key);
      },
    },
  },
};

// (auth.ts reads chrome.storage only when called, so the stand-in above is in place in time.)
import { NotLoggedInError, accessToken, currentUser, login, logout } from '../src/background/auth';
import { SETTINGS_KEY, TOKENS_KEY } from '../src/shared/settings';

let t: TestApp;
let email: string;
beforeAll(async () => {
  t = await startTestApp();
  email = uniqueEmail('ext-agent');
  await t.services.users.create({
    email,
    password: TEST_PASSWORD,
    role: 'agent',
    displayName: 'Ext Agent',
  });
  store.set(SETTINGS_KEY, {
    serverUrl: `${t.url()}/`,
    pbxUrl: 'https://pbx.example.com:5001/webclient/',
  });
});
afterAll(async () => {
  await t.close();
});

describe('extension auth', () => {
  it('refuses a wrong password with the server’s message and stores nothing', async () => {
    await expect(login(email, 'wrong password!')).rejects.toThrow(/^login failed: /);
    expect(store.has(TOKENS_KEY)).toBe(false);
    await expect(accessToken()).rejects.toBeInstanceOf(NotLoggedInError);
  });

  it('logs in, refreshes an access token about to expire, and logs out for good', async () => {
    const pair = await login(email, TEST_PASSWORD);
    expect(await currentUser()).toMatchObject({ email });
    expect(await accessToken()).toBe(pair.accessToken);

    // Thirty seconds before expiry counts as expired: the refresh rotates both tokens.
    const soon = Date.parse(pair.accessTokenExpiresAt) - 30_000;
    const fresh = await accessToken(soon);
    const rotated = TokenPair.parse(store.get(TOKENS_KEY));
    expect(rotated.refreshToken).not.toBe(pair.refreshToken);
    expect(fresh).toBe(rotated.accessToken);
    const me = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${fresh}`);
    expect(me.status).toBe(200);

    await logout();
    expect(store.has(TOKENS_KEY)).toBe(false);
    expect(await currentUser()).toBeNull();
    const reuse = await t.http
      .post('/api/auth/refresh')
      .send({ refreshToken: rotated.refreshToken });
    expect(reuse.status).toBe(401);
  });

  it('forgets tokens the server no longer accepts', async () => {
    const pair = await login(email, TEST_PASSWORD);
    await t.http.post('/api/auth/logout').send({ refreshToken: pair.refreshToken });
    await expect(accessToken(Date.parse(pair.accessTokenExpiresAt))).rejects.toBeInstanceOf(
      NotLoggedInError,
    );
    expect(store.has(TOKENS_KEY)).toBe(false);
  });
});
