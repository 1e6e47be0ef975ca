import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '@cwn/ninjaone-sim';
import { configure, connectAuthorizationCode, startHarness, type Harness } from './harness';

/**
 * Two server replicas whose access tokens expired renew at the same moment while NinjaOne rotates
 * refresh tokens (each is single-use): the Redis renewal lock makes the second one use the token
 * the first one just stored, so neither ends up with invalid_grant.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sim: { refreshTokenRotation: 'rotate' } });
  await configure(h, {
    authMode: 'authorization_code',
    clientId: DEMO_CLIENT_ID,
    clientSecret: DEMO_CLIENT_SECRET,
  });
  await connectAuthorizationCode(h);
});
afterAll(async () => {
  await h.close();
});

it('replicas renewing at once both succeed and the last rotated refresh token is the stored one', async () => {
  const replica = await h.replica();
  for (let round = 0; round < 3; round += 1) {
    h.t.ninjaone.client.forgetToken();
    replica.ninjaone.client.forgetToken();
    h.sim.sim.clearRequests();
    const [a, b] = await Promise.all([
      h.t.ninjaone.client.request('GET', '/organizations'),
      replica.ninjaone.client.request('GET', '/organizations'),
    ]);
    expect(a).toHaveLength(5);
    expect(b).toHaveLength(5);
    const grants = h.sim.sim.requests({ method: 'POST', path: '/ws/oauth/token' });
    expect(grants.map((g) => g.status)).toEqual([200, 200]);
  }
  const stored = (await h.t.ninjaone.settings.refreshToken())!;
  const live = [...h.sim.sim.state.refreshTokens.values()].filter((t) => !t.revoked);
  expect(live.map((t) => t.token)).toContain(stored);
});
