import { AuditPage } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';

let t: TestApp;
let adminToken: string;
let adminId: string;

beforeAll(async () => {
  t = await startTestApp();
  const admin = await t.userWithRole('admin');
  adminToken = admin.accessToken;
  adminId = admin.user.id;
});
afterAll(async () => {
  await t.close();
});

const get = (path: string) => t.http.get(path).set('Authorization', `Bearer ${adminToken}`);

describe('GET /api/audit', () => {
  it('pages newest first and filters by actor, action, prefix and dates', async () => {
    // The admin's own login is in the log; add entries of our own with a tag to find them.
    const tag = `t${Date.now()}`;
    for (let i = 0; i < 5; i++) {
      await t.services.audit.write({
        action: i % 2 ? 'kiosk_token.create' : 'user.create',
        actorId: adminId,
        targetType: 'test',
        targetId: `${tag}-${i}`,
        details: { i, formula: '=HYPERLINK("x")' },
      });
    }
    const first = AuditPage.parse((await get(`/api/audit?actorId=${adminId}&limit=2`)).body);
    expect(first.items.map((e) => e.targetId)).toEqual([`${tag}-4`, `${tag}-3`]);
    expect(first.items[0]!.actorEmail).toMatch(/@test\.local$/);
    const second = AuditPage.parse(
      (await get(`/api/audit?actorId=${adminId}&limit=2&cursor=${first.nextCursor}`)).body,
    );
    expect(second.items.map((e) => e.targetId)).toEqual([`${tag}-2`, `${tag}-1`]);

    const kiosk = AuditPage.parse(
      (await get(`/api/audit?actorId=${adminId}&action=kiosk_token.create`)).body,
    );
    expect(kiosk.items.map((e) => e.targetId)).toEqual([`${tag}-3`, `${tag}-1`]);
    const prefix = AuditPage.parse((await get(`/api/audit?actorId=${adminId}&action=auth.`)).body);
    expect(prefix.items.map((e) => e.action)).toEqual(['auth.login']);
    const future = AuditPage.parse(
      (await get(`/api/audit?actorId=${adminId}&from=2999-01-01T00:00:00Z`)).body,
    );
    expect(future).toEqual({ items: [], nextCursor: null });
  });

  it('exports CSV with the same filters, defusing spreadsheet formulas', async () => {
    await t.services.audit.write({
      action: 'user.create',
      actorId: adminId,
      targetType: 'test',
      targetId: '=SUM(A1)',
    });
    const res = await get(`/api/audit/export?actorId=${adminId}&action=user.`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(
      /attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"/,
    );
    const lines = res.text.trim().split('\n');
    expect(lines[0]).toBe('at,actor,action,target_type,target_id,details,ip,request_id');
    expect(lines.slice(1).every((l) => l.includes(',user.create,'))).toBe(true);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(res.text).toContain(",test,'=SUM(A1),");
  });

  it('refuses bad filters with a 400 that says what is wrong', async () => {
    const bad = await get('/api/audit?action=DROP%20TABLE');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/action/);
    const reversed = await get('/api/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.message).toBe('from must not be after to');
    expect((await get('/api/audit?cursor=abc')).status).toBe(400);
    expect((await get('/api/audit?unknown=1')).status).toBe(400);
  });
});
