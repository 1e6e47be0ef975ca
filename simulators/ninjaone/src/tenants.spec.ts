import { DEFAULT_CONFIG, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from './sim';
import { startNinjaOneSim, type StartedSim } from './testkit';

/** The switches for tenants that differ from the demo one (README: "Tenants that differ"). */
let s: StartedSim;
let token: string;

beforeAll(async () => {
  s = await startNinjaOneSim();
});
afterAll(async () => {
  await s.close();
});
beforeEach(async () => {
  s.sim.reset();
  s.sim.configure(DEFAULT_CONFIG);
  token = (await s.clientCredentials()).access_token;
});

const ids = (body: unknown) => (body as Array<{ id: unknown }>).map((x) => x.id);

describe('maxPageSize', () => {
  it('caps every paged list whatever pageSize asked; a short page is not the last one', async () => {
    s.sim.configure({ maxPageSize: 2 });
    const first = await s.api(token, 'GET', '/v2/organizations?pageSize=200');
    expect(ids(first.body)).toEqual([1, 2]);
    expect(ids((await s.api(token, 'GET', '/v2/organizations?pageSize=200&after=2')).body)).toEqual(
      [3, 4],
    );
    expect(ids((await s.api(token, 'GET', '/v2/organizations?after=4')).body)).toEqual([5]);
    expect((await s.api(token, 'GET', '/v2/organizations?after=5')).body).toEqual([]);
    const users = await s.api(token, 'GET', '/v2/ticketing/app-user-contact?pageSize=50');
    expect(users.body).toHaveLength(2);
  });
});

describe('contactsStatus', () => {
  it.each([
    [404, { resultCode: 'NOT_FOUND' }],
    [403, { resultCode: 'insufficient_privileges' }],
  ] as const)('makes GET /v2/contacts alone answer %i', async (status, body) => {
    s.sim.configure({ contactsStatus: status });
    const contacts = await s.api(token, 'GET', '/v2/contacts');
    expect(contacts.status).toBe(status);
    expect(contacts.body).toMatchObject(body);
    expect((await s.api(token, 'GET', '/api/v2/contacts')).status).toBe(status);
    expect((await s.api(token, 'GET', '/v2/user/end-users')).status).toBe(200);
    expect((await s.api(token, 'GET', '/v2/contact/101')).status).toBe(200);
  });
});

describe('peopleWithoutNumericIds', () => {
  it('adds people whose id is a string or missing to the contacts and end-user lists', async () => {
    s.sim.configure({ peopleWithoutNumericIds: true });
    for (const path of ['/v2/contacts', '/v2/user/end-users']) {
      const odd = ids((await s.api(token, 'GET', path)).body).filter(
        (id) => typeof id !== 'number',
      );
      expect(odd).toHaveLength(2);
      expect(odd).toContainEqual(expect.any(String));
      expect(odd).toContainEqual(undefined);
    }
    s.sim.configure({ peopleWithoutNumericIds: false });
    const plain = ids((await s.api(token, 'GET', '/v2/contacts')).body);
    expect(plain.every((id) => typeof id === 'number')).toBe(true);
  });
});

describe('refreshTokensRevoked', () => {
  it('refuses refresh grants with invalid_grant for good; a new consent works', async () => {
    const consent = await s.authorizationCode();
    s.sim.configure({ refreshTokensRevoked: true });
    const refresh = () =>
      s.tokenRequest({
        grant_type: 'refresh_token',
        refresh_token: consent.refresh_token!,
        client_id: DEMO_CLIENT_ID,
        client_secret: DEMO_CLIENT_SECRET,
      });
    const refused = await refresh();
    expect(refused).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Refresh token revoked' },
    });
    expect((await s.api(consent.access_token, 'GET', '/v2/organizations')).status).toBe(200);
    s.sim.configure({ refreshTokensRevoked: false });
    expect((await refresh()).status).toBe(400); // that token stays dead
    const again = await s.authorizationCode();
    expect(again.refresh_token).toEqual(expect.any(String));
  });
});
