import { ROLES, type Role } from '@cwn/protocol';
import { ROUTE_POLICY } from '../src/http/policy';
import { startTestApp, TEST_WORKER_TOKEN, type TestApp } from '@cwn/test-support/app';
import { migratedDatabase } from '@cwn/test-support/services';

/**
 * Every registered route × every caller (no credentials, each role, a kiosk token, the workers'
 * token) against the access the product means, written here independently of ROUTE_POLICY (the
 * table the server enforces), so a wrong entry in that table fails: agents record calls and handle
 * their own transcripts and tickets, supervisors watch (wallboard, read-only admin pages), managers
 * read, correct, validate and ticket, admins administer; a wall screen's kiosk token reads only the
 * wallboard summary; the workers' token reaches only /internal. An allowed caller gets neither
 * 401/403 nor a 5xx; any other caller gets 403, or 401 without valid credentials.
 */
let t: TestApp;
let db: Awaited<ReturnType<typeof migratedDatabase>>;
const tokens = {} as Record<Role, string>;
let kioskToken: string;

type Caller = Role | 'kiosk' | 'worker' | null;
const EVERYONE = ['agent', 'supervisor', 'manager', 'admin'] as const;
const WATCHERS = ['supervisor', 'manager', 'admin'] as const;
const ADMIN = ['admin'] as const;
/** Who may call each route, by caller. 'public': anyone, credentials or not. */
const EXPECTED: Record<string, 'public' | readonly Exclude<Caller, null>[]> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  'GET /api/openapi.json': 'public',

  'POST /api/auth/login': 'public',
  'POST /api/auth/refresh': 'public',
  'POST /api/auth/logout': 'public',
  'GET /api/auth/me': EVERYONE,

  // Users: admins manage them; supervisors see the list read-only (the admin users page).
  'GET /api/users': ['admin', 'supervisor'],
  'POST /api/users': ADMIN,
  'GET /api/users/:id': ['admin', 'supervisor'],
  'PATCH /api/users/:id': ADMIN,
  'POST /api/users/:id/reset-password': ADMIN,
  // The agents' names for filters: those who look at others' calls.
  'GET /api/agents': WATCHERS,

  // NinjaOne: admins configure it, supervisors read the settings page; anyone sending or
  // retrying a ticket picks an organization and sees the caller match and the redacted preview.
  'GET /api/settings/ninjaone': ['admin', 'supervisor'],
  'PUT /api/settings/ninjaone': ADMIN,
  'POST /api/settings/ninjaone/test': ADMIN,
  'GET /api/ninjaone/connect': ADMIN,
  'GET /api/ninjaone/callback': 'public',
  'GET /api/ninjaone/organizations': EVERYONE,
  'GET /api/ninjaone/caller-match': EVERYONE,
  'GET /api/ninjaone/ticket-options': ['admin', 'supervisor'],
  'GET /api/transcripts/:id/redaction-preview': EVERYONE,
  'GET /api/transcripts/:id/ticket': EVERYONE,
  'POST /api/transcripts/:id/ticket': ['agent', 'manager', 'admin'],

  // Calls and recordings: those who take calls (agents, and supervisors at a phone) report and
  // upload them; everyone reads (agents only their own, decided by the services).
  'POST /api/calls': ['agent', 'supervisor'],
  'GET /api/calls': EVERYONE,
  'GET /api/calls/:id': EVERYONE,
  'PATCH /api/calls/:id': ['agent', 'supervisor'],
  // Deleting a call: those who correct and validate others' calls, and admins.
  'DELETE /api/calls/:id': ['manager', 'admin'],
  'POST /api/upload-recording': ['agent', 'supervisor'],
  'POST /api/uploads': ['agent', 'supervisor'],
  'GET /api/uploads/:id': ['agent', 'supervisor'],
  'PATCH /api/uploads/:id': ['agent', 'supervisor'],
  'DELETE /api/uploads/:id': ['agent', 'supervisor'],
  'GET /api/recordings/:id/audio': EVERYONE,
  'GET /api/recordings/:id/waveform.png': EVERYONE,
  'GET /internal/recordings/:id/audio': ['worker'],
  // Live recordings: whoever takes calls streams them (their own only); everyone follows them.
  'POST /api/calls/:id/live': ['agent', 'supervisor'],
  'PUT /api/live-recordings/:id/audio': ['agent', 'supervisor'],
  'POST /api/live-recordings/:id/close': ['agent', 'supervisor'],
  'GET /api/live-recordings/:id': EVERYONE,
  'DELETE /api/live-recordings/:id': ['agent', 'supervisor', 'admin'],
  'GET /api/calls/:id/live-transcript': EVERYONE,
  'GET /internal/live-recordings/:id/window': ['worker'],
  'GET /internal/recordings/:id/window': ['worker'],

  // Transcripts: everyone reads; the call's agent, managers and admins correct and validate,
  // supervisors only watch.
  'GET /api/transcripts/:id': EVERYONE,
  'GET /api/calls/:id/transcript': EVERYONE,
  'GET /api/transcripts/:id/edits': EVERYONE,
  'PATCH /api/transcripts/:id': ['agent', 'manager', 'admin'],
  'POST /api/transcripts/:id/validate': ['agent', 'manager', 'admin'],

  // The wallboard (and its kiosk screens); administration is the admins'.
  'GET /api/dashboard/summary': [...WATCHERS, 'kiosk'],
  'GET /api/kiosk-tokens': ADMIN,
  'POST /api/kiosk-tokens': ADMIN,
  'DELETE /api/kiosk-tokens/:id': ADMIN,
  'GET /api/audit': ADMIN,
  'GET /api/audit/export': ADMIN,
  'GET /api/admin/queues': ADMIN,
  'GET /api/admin/queues/:queue/failed': ADMIN,
  'POST /api/admin/queues/:queue/jobs/:jobId/retry': ADMIN,
  'DELETE /api/admin/queues/:queue/jobs/:jobId': ADMIN,
  'GET /api/admin/retention': ['admin', 'supervisor'],
  'PUT /api/admin/retention': ADMIN,
  'DELETE /api/admin/retention': ADMIN,
  'POST /api/admin/retention/preview': ['admin', 'supervisor'],
  'GET /api/admin/alerts': ['admin', 'supervisor'],
  'PUT /api/admin/alerts': ADMIN,
  'DELETE /api/admin/alerts': ADMIN,
  'GET /api/admin/whisper': ['admin', 'supervisor'],
  'PUT /api/admin/whisper': ADMIN,
  'DELETE /api/admin/whisper': ADMIN,
  'DELETE /api/admin/whisper/key': ADMIN,
  'POST /api/admin/whisper/test': ADMIN,
  'GET /internal/whisper-engine-key': ['worker'],
  'GET /api/admin/health': ADMIN,
  // A caller's data (subject access, erasure) is the admins' business alone.
  'POST /api/admin/privacy/erase': ADMIN,
  'POST /api/admin/privacy/export': ADMIN,
  // Each signed-in user manages their own devices' push subscriptions.
  'GET /api/push/vapid-public-key': EVERYONE,
  'POST /api/push/subscriptions': EVERYONE,
  'DELETE /api/push/subscriptions': EVERYONE,
};

beforeAll(async () => {
  // A database of its own: NinjaOne settings are global, and another file of the run may leave
  // them pointing at a simulator it has stopped (the NinjaOne routes would then answer 503).
  db = await migratedDatabase('policy');
  t = await startTestApp({ DATABASE_URL: db.url });
  for (const role of ROLES) tokens[role] = (await t.userWithRole(role)).accessToken;
  const kiosk = await t.http
    .post('/api/kiosk-tokens')
    .set('Authorization', `Bearer ${tokens.admin}`)
    .send({ name: 'policy test screen' });
  expect(kiosk.status).toBe(201);
  kioskToken = kiosk.body.token;
});
afterAll(async () => {
  await t.close();
  await db.drop();
});

const SAMPLE_ID = '00000000-0000-4000-8000-000000000000';
const concrete = (path: string) => path.replace(/:[A-Za-z_]+/g, SAMPLE_ID);

function bearer(caller: Exclude<Caller, null>): string {
  if (caller === 'kiosk') return kioskToken;
  if (caller === 'worker') return TEST_WORKER_TOKEN;
  return tokens[caller];
}

describe('route policy', () => {
  it('has a policy entry for every route the app registered, and a route for every entry', () => {
    const registered = t.routes.registered.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    expect(registered).toEqual(Object.keys(ROUTE_POLICY).sort());
  });

  it('has an expected access for every registered route', () => {
    const registered = t.routes.registered.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    expect(registered).toEqual(Object.keys(EXPECTED).sort());
  });

  it('registers no route behind the route table’s back', () => {
    type Layer = { route?: { path: string; methods: Record<string, boolean> } };
    const stack = (t.app as unknown as { router: { stack: Layer[] } }).router.stack;
    const onApp = stack
      .filter((l) => l.route)
      .flatMap((l) =>
        Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${l.route!.path}`),
      )
      .sort();
    expect(onApp).toEqual(Object.keys(ROUTE_POLICY).sort());
  });

  it('refuses to register a route without a policy entry', () => {
    expect(() =>
      t.routes.add({ method: 'get', path: '/api/unlisted', summary: 'x' }, () => ({})),
    ).toThrow(/GET \/api\/unlisted has no entry in ROUTE_POLICY/);
  });

  const callers: Caller[] = [null, ...ROLES, 'kiosk', 'worker'];
  const cases = Object.entries(EXPECTED).flatMap(([key, access]) =>
    callers.map((caller) => ({ key, access, caller })),
  );

  it.each(cases)('$key as $caller', async ({ key, access, caller }) => {
    const [method, path] = key.split(' ') as [string, string];
    let req = t.http[method.toLowerCase() as 'get'](concrete(path));
    if (caller) req = req.set('Authorization', `Bearer ${bearer(caller)}`);
    if (method !== 'GET') req = req.send({});
    const res = await req;
    const summary = `${res.status} ${JSON.stringify(res.body?.error ?? '')}`;
    if (access === 'public' || (caller !== null && access.includes(caller))) {
      expect([401, 403]).not.toContain(res.status);
      expect(res.status < 500 ? 'not a server error' : summary).toBe('not a server error');
    } else {
      // A user token where it does not belong: 403; a kiosk token: 403, except on the workers'
      // routes, which know no kiosk (401, like the workers' token on user routes and no token).
      const internal = key.includes(' /internal/');
      const status =
        caller === null || caller === 'worker' || (caller === 'kiosk' && internal) ? 401 : 403;
      expect(summary).toMatch(new RegExp(`^${status} `));
      expect(res.body.error.code).toBe(status === 401 ? 'unauthorized' : 'forbidden');
    }
  });
});
