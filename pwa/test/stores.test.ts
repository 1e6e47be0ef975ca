import 'fake-indexeddb/auto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createPinia, setActivePinia } from 'pinia';
import { TEST_PASSWORD, startTestApp, uniqueEmail, type TestApp } from '@cwn/test-support/app';
import { seedCallWithRecording } from '@cwn/test-support/transcript-fixtures';
import { createServices, provideServices, services } from '../src/services';
import { useConnectivity } from '../src/stores/connectivity';
import { useInbox } from '../src/stores/inbox';
import { useSession } from '../src/stores/session';

/** The app's stores in Node against the real server: what the views call, without a browser. */
let server: TestApp;
let dbCounter = 0;

beforeAll(async () => {
  server = await startTestApp();
});
afterAll(async () => {
  await server?.close();
});

class MemoryStorage {
  private map = new Map<string, string>();
  getItem = (k: string) => this.map.get(k) ?? null;
  setItem = (k: string, v: string) => void this.map.set(k, v);
  removeItem = (k: string) => void this.map.delete(k);
}

async function app(baseUrl?: string) {
  const pinia = createPinia();
  setActivePinia(pinia);
  const storage = new MemoryStorage();
  provideServices(
    await createServices({
      baseUrl: () => baseUrl ?? useSession(pinia).serverUrl,
      tokens: {
        accessToken: () => useSession(pinia).accessToken(),
        refresh: () => useSession(pinia).refresh(),
      },
      storage,
      dbName: `stores-test-${++dbCounter}`,
      onReachability: (r) => useConnectivity(pinia).setServerReachable(r),
    }),
  );
  return { session: useSession(pinia), storage };
}

async function manager(): Promise<string> {
  const email = uniqueEmail('pwa-store');
  await server.services.users.create({
    email,
    password: TEST_PASSWORD,
    role: 'manager',
    displayName: 'Store Manager',
  });
  return email;
}

describe('session store against the real server', () => {
  it('logs in, keeps the tokens on the device, and refreshes silently after a 401', async () => {
    const { session, storage } = await app();
    const email = await manager();
    await session.login(`${server.url()}/ignored/path`, email, TEST_PASSWORD);
    expect(session.serverUrl).toBe(server.url());
    expect(session.user?.email).toBe(email);
    expect(JSON.parse(storage.getItem('cwn.session')!).user.email).toBe(email);

    const firstRefresh = session.tokens!.refreshToken;
    session.tokens = { ...session.tokens!, accessToken: 'expired-or-garbage' };
    // Two requests hit the 401 together: one refresh (the refresh token rotates once), both succeed.
    const [a, b] = await Promise.all([services().auth.me(), services().auth.me()]);
    expect([a.email, b.email]).toEqual([email, email]);
    expect(session.tokens!.refreshToken).not.toBe(firstRefresh);
    expect(JSON.parse(storage.getItem('cwn.session')!).refreshToken).toBe(
      session.tokens!.refreshToken,
    );
  });

  it('ends the session when the server refuses the refresh token', async () => {
    const { session } = await app();
    await session.login(server.url(), await manager(), TEST_PASSWORD);
    const stale = session.tokens!;
    await services().auth.logout(stale.refreshToken);
    session.tokens = { ...stale, accessToken: 'garbage' };
    await expect(services().auth.me()).rejects.toMatchObject({ status: 401 });
    expect(session.loggedIn).toBe(false);
  });

  it('logout revokes the refresh token and clears what the device kept', async () => {
    const { session, storage } = await app();
    await session.login(server.url(), await manager(), TEST_PASSWORD);
    const { refreshToken } = session.tokens!;
    await services().outbox.enqueue('11111111-1111-4111-8111-111111111111', 1, {
      kind: 'validate',
    });
    await services().db.put('inbox', { key: 'inbox', calls: [], savedAt: 1 });

    await session.logout();
    expect(storage.getItem('cwn.session')).toBeNull();
    expect(await services().outbox.pendingCount()).toBe(0);
    expect(await services().db.count('inbox')).toBe(0);
    const refresh = await server.http.post('/api/auth/refresh').send({ refreshToken });
    expect(refresh.status).toBe(401);
  });
});

describe('inbox store', () => {
  it('loads the calls awaiting validation first and saves the page for offline use', async () => {
    const { session } = await app();
    await session.login(server.url(), await manager(), TEST_PASSWORD);
    const agent = await server.userWithRole('agent');
    const waiting = await seedCallWithRecording(server.models, agent.user.id, {
      status: 'transcribed',
    });
    const inbox = useInbox();
    inbox.filters.status = 'transcribed';
    await inbox.load();
    expect(inbox.unavailable).toBe(false);
    expect(inbox.sections.awaiting.map((c) => c.id)).toContain(waiting.callId);
    expect(inbox.sections.recent).toEqual([]);
    // Only the unfiltered list is saved as "the inbox".
    expect(await services().db.get('inbox', 'inbox')).toBeUndefined();
    inbox.filters.status = '';
    await inbox.load();
    expect((await services().db.get('inbox', 'inbox'))!.calls.map((c) => c.id)).toContain(
      waiting.callId,
    );
    expect(useConnectivity().online).toBe(true);
  });

  it('falls back to the saved inbox and reports the server unreachable when it does not answer', async () => {
    // A port nobody listens on any more: the server went away.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise((resolve) => probe.close(resolve));
    const { session } = await app(deadUrl);
    session.tokens = null;
    const saved = {
      id: '0b9c9b1e-8f55-4c53-9d4e-3f2c1a7b6d01',
      agentId: '0b9c9b1e-8f55-4c53-9d4e-3f2c1a7b6d02',
      direction: 'inbound' as const,
      remoteNumber: '+33 1 23 45 67 89',
      remoteName: null,
      pbxCallId: 'pbx-1',
      startedAt: '2026-11-25T09:00:00.000Z',
      answeredAt: null,
      endedAt: null,
      status: 'transcribed' as const,
    };
    await services().db.put('inbox', { key: 'inbox', calls: [saved], savedAt: 42 });

    const inbox = useInbox();
    await inbox.load();
    expect(inbox.calls).toEqual([saved]);
    expect(inbox.savedAt).toBe(42);
    expect(inbox.sections.awaiting).toEqual([saved]);
    expect(useConnectivity().online).toBe(false);
  });
});
