import { startTestApp, type TestApp } from './support/app';

/** Input a client should never send, answered with a 4xx that says what is wrong (never a 500). */
let t: TestApp;
let agentToken: string;

beforeAll(async () => {
  t = await startTestApp();
  agentToken = (await t.userWithRole('agent')).accessToken;
});
afterAll(async () => {
  await t.close();
});

describe('malformed percent-encoding in a path parameter', () => {
  it('answers 400 on every route with a path parameter', async () => {
    const withParams = t.routes.registered.filter((r) => r.path.includes('/:'));
    expect(withParams.length).toBeGreaterThanOrEqual(13);
    const answers: string[] = [];
    for (const route of withParams) {
      const path = route.path.replace(/:[A-Za-z_]+/g, '%ZZ');
      let req = t.http[route.method](path).set('Authorization', `Bearer ${agentToken}`);
      if (route.method !== 'get' && route.method !== 'delete') req = req.send({});
      const res = await req;
      answers.push(
        `${route.method.toUpperCase()} ${route.path} → ${res.status} ${res.body?.error?.code}`,
      );
    }
    expect(answers).toEqual(
      withParams.map((r) => `${r.method.toUpperCase()} ${r.path} → 400 bad_request`),
    );
  });

  it('names the problem in the message', async () => {
    const res = await t.http.get('/api/calls/%ZZ').set('Authorization', `Bearer ${agentToken}`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/percent-encoding/);
  });
});
