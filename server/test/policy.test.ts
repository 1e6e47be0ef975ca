import { ROLES, type Role } from '@cwn/protocol';
import { ROUTE_POLICY } from '../src/http/policy';
import { startTestApp, type TestApp } from './support/app';

/**
 * Every registered route × every role (and no credentials): allowed roles get past
 * authorization (any status but 401/403), others get 403, anonymous callers 401.
 */
let t: TestApp;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  t = await startTestApp();
  for (const role of ROLES) tokens[role] = (await t.userWithRole(role)).accessToken;
});
afterAll(async () => {
  await t.close();
});

const SAMPLE_ID = '00000000-0000-4000-8000-000000000000';
const concrete = (path: string) => path.replace(/:[A-Za-z_]+/g, SAMPLE_ID);

function allowed(access: (typeof ROUTE_POLICY)[string], role: Role | null): boolean {
  if (access === 'public') return true;
  if (role === null) return false;
  return access === 'authenticated' || access.includes(role);
}

describe('route policy', () => {
  it('has a policy entry for every route the app registered, and a route for every entry', () => {
    const registered = t.routes.registered.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    expect(registered).toEqual(Object.keys(ROUTE_POLICY).sort());
  });

  it('registers no route behind the route table’s back', () => {
    type Layer = { route?: { path: string; methods: Record<string, boolean> } };
    const stack = (t.app as unknown as { router: { stack: Layer[] } }).router.stack;
    const onApp = stack
      .filter((l) => l.route)
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${l.route!.path}`))
      .sort();
    expect(onApp).toEqual(Object.keys(ROUTE_POLICY).sort());
  });

  it('refuses to register a route without a policy entry', () => {
    expect(() => t.routes.add({ method: 'get', path: '/api/unlisted', summary: 'x' }, () => ({}))).toThrow(
      /GET \/api\/unlisted has no entry in ROUTE_POLICY/,
    );
  });

  const cases = Object.entries(ROUTE_POLICY).flatMap(([key, access]) =>
    [null, ...ROLES].map((role) => ({ key, access, role })),
  );

  it.each(cases)('$key as $role', async ({ key, access, role }) => {
    const [method, path] = key.split(' ') as [string, string];
    let req = t.http[method.toLowerCase() as 'get'](concrete(path));
    if (role) req = req.set('Authorization', `Bearer ${tokens[role]}`);
    if (method !== 'GET') req = req.send({});
    const res = await req;
    if (allowed(access, role)) {
      expect([401, 403]).not.toContain(res.status);
    } else {
      expect(res.status).toBe(role === null ? 401 : 403);
      expect(res.body.error.code).toBe(role === null ? 'unauthorized' : 'forbidden');
    }
  });
});
