import { AgentList, User, UserList } from '@cwn/protocol';
import { startTestApp, TEST_PASSWORD, uniqueEmail, type TestApp } from '@cwn/test-support/app';
import { freshDatabase } from '@cwn/test-support/services';
import { createSequelize } from '../src/db/sequelize';
import { migrateUp } from '../src/db/migrator';
import { defineModels } from '../src/db/models';
import { UsersService } from '../src/users/users.service';

let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await startTestApp();
  admin = (await t.userWithRole('admin')).accessToken;
});
afterAll(async () => {
  await t.close();
});

const auth = () => ({ Authorization: `Bearer ${admin}` });

describe('users API', () => {
  it('an admin creates an agent with an extension, who can then log in', async () => {
    const email = uniqueEmail('agent');
    const res = await t.http
      .post('/api/users')
      .set(auth())
      .send({
        email,
        password: 'agent password 1',
        role: 'agent',
        displayName: 'Alice',
        extension: '201' + String(Date.now()).slice(-4),
      });
    expect(res.status).toBe(201);
    const created = User.parse(res.body);
    expect(created.role).toBe('agent');
    const login = await t.http
      .post('/api/auth/login')
      .send({ email, password: 'agent password 1' });
    expect(login.status).toBe(200);
    const list = UserList.parse((await t.http.get('/api/users').set(auth())).body);
    expect(list.items.map((u) => u.id)).toContain(created.id);
    const audit = await t.models.AuditLog.findOne({
      where: { action: 'user.create', targetId: created.id },
    });
    expect(audit?.details).toMatchObject({ role: 'agent' });
    expect(JSON.stringify(audit?.details)).not.toContain('agent password 1');
  });

  it('answers a duplicate email with 409 and bad input with 400 naming the field', async () => {
    const email = uniqueEmail('dup');
    const body = { email, password: 'long enough pw', role: 'manager', displayName: 'M' };
    expect((await t.http.post('/api/users').set(auth()).send(body)).status).toBe(201);
    const dup = await t.http.post('/api/users').set(auth()).send(body);
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toMatch(/already exists/);
    const weak = await t.http
      .post('/api/users')
      .set(auth())
      .send({ ...body, email: uniqueEmail('w'), password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.message).toMatch(/^body\.password: password must be at least 10/);
    const ext = await t.http
      .post('/api/users')
      .set(auth())
      .send({ ...body, email: uniqueEmail('e'), extension: '301' });
    expect(ext.status).toBe(400);
    expect(ext.body.error.message).toMatch(/only agents/);
    const unknownKey = await t.http
      .post('/api/users')
      .set(auth())
      .send({ ...body, email: uniqueEmail('k'), admin: true });
    expect(unknownKey.status).toBe(400);
  });

  it('deactivating a user ends their sessions; reactivating lets them back in', async () => {
    const pair = await t.userWithRole('agent');
    const off = await t.http
      .patch(`/api/users/${pair.user.id}`)
      .set(auth())
      .send({ active: false });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect(
      (await t.http.post('/api/auth/refresh').send({ refreshToken: pair.refreshToken })).status,
    ).toBe(401);
    expect(
      (
        await t.http
          .post('/api/auth/login')
          .send({ email: pair.user.email, password: TEST_PASSWORD })
      ).status,
    ).toBe(403);
    await t.http.patch(`/api/users/${pair.user.id}`).set(auth()).send({ active: true });
    expect(
      (
        await t.http
          .post('/api/auth/login')
          .send({ email: pair.user.email, password: TEST_PASSWORD })
      ).status,
    ).toBe(200);
  });

  it('reset-password replaces the password and ends sessions', async () => {
    const pair = await t.userWithRole('manager');
    const res = await t.http
      .post(`/api/users/${pair.user.id}/reset-password`)
      .set(auth())
      .send({ password: 'brand new password' });
    expect(res.status).toBe(204);
    expect(
      (
        await t.http
          .post('/api/auth/login')
          .send({ email: pair.user.email, password: TEST_PASSWORD })
      ).status,
    ).toBe(401);
    expect(
      (
        await t.http
          .post('/api/auth/login')
          .send({ email: pair.user.email, password: 'brand new password' })
      ).status,
    ).toBe(200);
    expect(
      (await t.http.post('/api/auth/refresh').send({ refreshToken: pair.refreshToken })).status,
    ).toBe(401);
  });

  it('404 for an unknown user, 400 for a malformed id', async () => {
    expect(
      (await t.http.get('/api/users/00000000-0000-4000-8000-000000000000').set(auth())).status,
    ).toBe(404);
    const bad = await t.http.get('/api/users/42').set(auth());
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^params\.id/);
  });

  it('never demotes or deactivates the last active admin', async () => {
    const db = await freshDatabase('lastadmin');
    const sequelize = createSequelize(db.url);
    try {
      await migrateUp(sequelize);
      const users = new UsersService(defineModels(sequelize));
      expect(await users.ensureAdmin('only@test.local', 'long enough pw')).toBe(true);
      expect(await users.ensureAdmin('second@test.local', 'long enough pw')).toBe(false);
      const [only] = await users.list();
      await expect(users.update(only!.id, { active: false })).rejects.toMatchObject({
        status: 409,
      });
      await expect(users.update(only!.id, { role: 'agent' })).rejects.toMatchObject({
        status: 409,
      });
      const other = await users.create({
        email: 'two@test.local',
        password: 'long enough pw',
        role: 'admin',
        displayName: 'Two',
      });
      await expect(users.update(only!.id, { active: false })).resolves.toMatchObject({
        active: false,
      });
      await expect(users.update(other.id, { role: 'manager' })).rejects.toMatchObject({
        status: 409,
      });
    } finally {
      await sequelize.close();
      await db.drop();
    }
  });

  it('GET /api/agents lists the active agents only (id, name, extension) and managers may read it', async () => {
    const agent = await t.userWithRole('agent', { extension: '7' + String(Date.now()).slice(-5) });
    const gone = await t.userWithRole('agent');
    const supervisor = await t.userWithRole('supervisor');
    expect(
      (await t.http.patch(`/api/users/${gone.user.id}`).set(auth()).send({ active: false })).status,
    ).toBe(200);
    const manager = await t.userWithRole('manager');
    const res = await t.http
      .get('/api/agents')
      .set('Authorization', `Bearer ${manager.accessToken}`);
    expect(res.status).toBe(200);
    const list = AgentList.parse(res.body);
    expect(list.items).toContainEqual({
      id: agent.user.id,
      displayName: agent.user.displayName,
      extension: agent.user.extension,
    });
    const ids = list.items.map((a) => a.id);
    expect(ids).not.toContain(gone.user.id);
    expect(ids).not.toContain(supervisor.user.id);
    expect(ids).not.toContain(manager.user.id);
    // Only what a filter needs: no e-mail, role or activity.
    expect(Object.keys(res.body.items[0]).sort()).toEqual(['displayName', 'extension', 'id']);
    // Agents may not read it (the policy test checks every role).
    expect(
      (await t.http.get('/api/agents').set('Authorization', `Bearer ${agent.accessToken}`)).status,
    ).toBe(403);
  });
});

describe('unknown routes', () => {
  it('answer 404 in the error format', async () => {
    const res = await t.http.get('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found' });
    expect(res.headers['x-request-id']).toBeTruthy();
  });
});
