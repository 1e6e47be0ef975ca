import { demoUsers, seedDemoUsers } from '../src/demo/demo-users';
import { startTestApp, type TestApp } from '@cwn/test-support/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

// Emails of their own, so other test files' users and a demo admin never meet.
const env = {
  DEMO_AGENT_EMAIL: `agent-${process.pid}@demo.test`,
  DEMO_SUPERVISOR_EMAIL: `supervisor-${process.pid}@demo.test`,
  DEMO_MANAGER_EMAIL: `manager-${process.pid}@demo.test`,
  ADMIN_EMAIL: `admin-${process.pid}@demo.test`,
  DEMO_MANAGER_PASSWORD: 'manager-password-from-env',
  // extensions are unique too: another test file may hold the default 101
  DEMO_AGENT_EXTENSION: String(10_000 + (process.pid % 80_000)),
};

describe('demo users', () => {
  it('creates one user per role, and a second run changes nothing', async () => {
    const wanted = demoUsers(env);
    const first = await seedDemoUsers(t.services.users, t.models, wanted);
    expect(first.map((r) => [r.user.role, r.outcome])).toEqual([
      ['agent', 'created'],
      ['supervisor', 'created'],
      ['manager', 'created'],
      ['admin', 'created'],
    ]);
    expect(first[0]!.user.extension).toBe(env.DEMO_AGENT_EXTENSION);

    const second = await seedDemoUsers(t.services.users, t.models, wanted);
    expect(second.map((r) => r.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(second.map((r) => r.user.id)).toEqual(first.map((r) => r.user.id));

    for (const u of wanted) {
      const res = await t.http
        .post('/api/auth/login')
        .send({ email: u.email, password: u.password });
      expect({ email: u.email, status: res.status }).toEqual({ email: u.email, status: 200 });
    }
    expect(wanted.find((u) => u.role === 'manager')!.password).toBe('manager-password-from-env');
  });

  it('restores a demo user that was demoted, deactivated or given another password', async () => {
    const wanted = demoUsers(env);
    const agent = (await t.models.User.findOne({ where: { email: env.DEMO_AGENT_EMAIL } }))!;
    await t.services.users.update(agent.id, { role: 'supervisor', extension: null, active: false });
    const supervisor = (await t.models.User.findOne({
      where: { email: env.DEMO_SUPERVISOR_EMAIL },
    }))!;
    await t.services.users.resetPassword(supervisor.id, 'someone-changed-it');

    const again = await seedDemoUsers(t.services.users, t.models, wanted);
    expect(again.map((r) => r.outcome)).toEqual(['updated', 'updated', 'unchanged', 'unchanged']);
    expect(again[0]!.user).toMatchObject({
      id: agent.id,
      role: 'agent',
      extension: env.DEMO_AGENT_EXTENSION,
      active: true,
    });
    const login = await t.http
      .post('/api/auth/login')
      .send({ email: env.DEMO_SUPERVISOR_EMAIL, password: wanted[1]!.password });
    expect(login.status).toBe(200);
  });
});
