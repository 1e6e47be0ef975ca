import request from 'supertest';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { leftBehind } from './support/handles';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('health, metrics and the API document', () => {
  it('/healthz and /readyz answer 200 when PostgreSQL and Redis are up', async () => {
    expect((await t.http.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await t.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.postgres.ok).toBe(true);
    expect(ready.body.checks.redis.ok).toBe(true);
  });

  it('/readyz answers 503 naming Redis when Redis is unreachable, and close() leaves nothing running', async () => {
    const before = process.getActiveResourcesInfo();
    const broken = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const res = await request(broken.url()).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('service_unavailable');
      expect(res.body.error.message).toBe('not ready: redis unreachable');
      expect(res.body.error.details.checks.postgres.ok).toBe(true);
      // The rest of the API still answers.
      expect((await request(broken.url()).get('/healthz')).status).toBe(200);
    } finally {
      await broken.close();
    }
    // Nothing keeps reconnecting to the unreachable Redis (it kept jest's worker alive before).
    expect(await leftBehind(before)).toEqual([]);
  });

  it('a server closed right after it started leaves no unhandled rejection behind', async () => {
    // Closing while the Socket.IO adapter's subscriber still connects rejected its (un)subscribe
    // calls with "Connection is closed", unhandled (jest fails the test on those).
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const quick = await startTestApp();
      await quick.close();
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections.map(String)).toEqual([]);
  });

  it('/readyz answers 503 naming PostgreSQL when the database is unreachable', async () => {
    const broken = await startTestApp({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' });
    try {
      const res = await request(broken.url()).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.error.message).toBe('not ready: postgres unreachable');
    } finally {
      await broken.close();
    }
  });

  it('/metrics exposes request latency and queue depths', async () => {
    await t.http.get('/healthz');
    const probe = await t.queues.transcription.add(
      'probe',
      {
        recordingId: '00000000-0000-4000-8000-000000000001',
        callId: '00000000-0000-4000-8000-000000000002',
        channels: 1,
        durationMs: 1000,
        languageHint: null,
      },
      { delay: 60_000 },
    );
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/healthz"/);
    expect(res.text).toMatch(/queue_jobs\{queue="transcription",state="delayed"\} [1-9]/);
    // Only its own job: the queue is the whole run's (other suites read it).
    await probe.remove();
  });

  it('serves an OpenAPI 3.1 document listing the routes', async () => {
    const res = await t.http.get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/auth/login', '/api/users/{id}', '/readyz']),
    );
    const login = res.body.paths['/api/auth/login'].post;
    expect(login.requestBody.content['application/json'].schema.properties).toHaveProperty(
      'password',
    );
  });

  it('sets security headers and honours the CORS allow-list', async () => {
    const origin = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
    const withCors = await startTestApp({ EXTENSION_IDS: 'abcdefghijklmnopabcdefghijklmnop' });
    try {
      const ok = await request(withCors.url())
        .options('/api/auth/login')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST');
      expect(ok.headers['access-control-allow-origin']).toBe(origin);
      const denied = await request(withCors.url())
        .get('/healthz')
        .set('Origin', 'https://evil.example');
      expect(denied.headers['access-control-allow-origin']).toBeUndefined();
      expect(ok.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await withCors.close();
    }
  });
});
