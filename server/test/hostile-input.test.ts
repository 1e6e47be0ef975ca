import { mkdtempSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import {
  callMeta,
  idemKey,
  leftovers,
  makeWav,
  sha256,
  upload,
} from '@cwn/test-support/recording-fixtures';

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

describe('dates outside a sane range', () => {
  const YEAR_ZERO = '0000-01-01T00:00:00Z';
  let adminToken: string;
  beforeAll(async () => {
    adminToken = (await t.userWithRole('admin')).accessToken;
  });

  it('GET /api/calls?from= and ?to= → 400 naming the field', async () => {
    for (const field of ['from', 'to']) {
      const res = await t.http
        .get('/api/calls')
        .query({ [field]: YEAR_ZERO })
        .set('Authorization', `Bearer ${agentToken}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message).toMatch(new RegExp(`^query\\.${field}: .*1970`));
    }
  });

  it('POST /api/calls startedAt and PATCH /api/calls/:id at → 400 naming the field, nothing stored', async () => {
    const pbxCallId = `pbx-year-zero-${Date.now()}`;
    const res = await t.http
      .post('/api/calls')
      .set('Authorization', `Bearer ${agentToken}`)
      .send({ direction: 'inbound', pbxCallId, startedAt: YEAR_ZERO });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^body\.startedAt: /);
    expect(await t.models.Call.count({ where: { pbxCallId } })).toBe(0);

    const created = await t.http
      .post('/api/calls')
      .set('Authorization', `Bearer ${agentToken}`)
      .send({ direction: 'inbound', pbxCallId, startedAt: '2026-11-20T10:00:00Z' });
    expect(created.status).toBe(201);
    // An offset can carry a date in range past the last year an ISO timestamp can write.
    const patched = await t.http
      .patch(`/api/calls/${created.body.id}`)
      .set('Authorization', `Bearer ${agentToken}`)
      .send({ event: 'answered', at: '9999-12-31T23:30:00-05:00' });
    expect(patched.status).toBe(400);
    expect(patched.body.error.message).toMatch(/^body\.at: /);
  });

  it('the upload’s startedAt → 400 naming the field, nothing stored', async () => {
    const wav = makeWav();
    const pair = await t.userWithRole('agent');
    const before = await leftovers(t, pair.user.id);
    const res = await upload(t, pair.accessToken, wav, {
      ...callMeta({ startedAt: YEAR_ZERO }),
      sha256: sha256(wav),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^query\.startedAt: /);
    const session = await t.http
      .post('/api/uploads')
      .query({ ...callMeta({ endedAt: '0001-01-01T00:00:00+01:00' }), sha256: sha256(wav) })
      .set('Authorization', `Bearer ${pair.accessToken}`)
      .set('Idempotency-Key', idemKey())
      .set('Upload-Length', String(wav.length));
    expect(session.status).toBe(400);
    expect(session.body.error.message).toMatch(/^query\.endedAt: /);
    expect(await leftovers(t, pair.user.id)).toEqual(before);
  });

  it('the audit filters → 400 naming the field', async () => {
    for (const path of ['/api/audit', '/api/audit/export']) {
      for (const field of ['from', 'to']) {
        const res = await t.http
          .get(path)
          .query({ [field]: YEAR_ZERO })
          .set('Authorization', `Bearer ${adminToken}`);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(new RegExp(`^query\\.${field}: `));
      }
    }
  });

  it('accepts the bounds themselves', async () => {
    const res = await t.http
      .get('/api/calls')
      .query({ from: '1970-01-01T00:00:00Z', to: '9999-12-31T23:59:59.999Z' })
      .set('Authorization', `Bearer ${agentToken}`);
    expect(res.status).toBe(200);
  });
});

/** Sends `body` byte for byte (supertest would serialise a Buffer sent as JSON). */
function raw(method: string, path: string, headers: Record<string, string>, body: Buffer) {
  return new Promise<{ status: number; body: { error: { code: string; message: string } } }>(
    (resolve, reject) => {
      const req = httpRequest(
        `${t.url()}${path}`,
        { method, headers: { ...headers, 'Content-Length': String(body.length) } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(body);
    },
  );
}

describe('a body of the wrong type', () => {
  it('a WAV sent as application/json → 415 naming the WAV types, whatever its size', async () => {
    for (const wav of [makeWav(), makeWav({ frames: 16000 * 40 })]) {
      const query = new URLSearchParams({ ...callMeta(), sha256: sha256(wav) });
      const res = await raw(
        'POST',
        `/api/upload-recording?${query}`,
        {
          Authorization: `Bearer ${agentToken}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': idemKey(),
        },
        wav,
      );
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
      expect(res.body.error.message).toMatch(/expected audio\/wav/);
    }
  });

  it('a resumable upload’s chunk sent as application/json → 415', async () => {
    const wav = makeWav();
    const session = await t.http
      .post('/api/uploads')
      .query({ ...callMeta(), sha256: sha256(wav) })
      .set('Authorization', `Bearer ${agentToken}`)
      .set('Idempotency-Key', idemKey())
      .set('Upload-Length', String(wav.length));
    expect(session.status).toBe(201);
    const res = await raw(
      'PATCH',
      `/api/uploads/${session.body.id}`,
      {
        Authorization: `Bearer ${agentToken}`,
        'Content-Type': 'application/json',
        'Upload-Offset': '0',
      },
      wav,
    );
    expect(res.status).toBe(415);
    expect(res.body.error.message).toMatch(/expected application\/offset\+octet-stream/);
  });

  it('a JSON body over 1 MB → 413', async () => {
    const res = await t.http
      .post('/api/calls')
      .set('Authorization', `Bearer ${agentToken}`)
      .set('Content-Type', 'application/json')
      .send(
        JSON.stringify({
          direction: 'inbound',
          pbxCallId: 'x',
          startedAt: '2026-11-20T10:00:00Z',
          pad: 'x'.repeat(1_100_000),
        }),
      );
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('malformed JSON → 400; a compression or charset the server does not read → 415', async () => {
    const malformed = await t.http
      .post('/api/calls')
      .set('Authorization', `Bearer ${agentToken}`)
      .set('Content-Type', 'application/json')
      .send('{"direction":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toBe('malformed JSON body');

    const encoded = await t.http
      .post('/api/calls')
      .set('Authorization', `Bearer ${agentToken}`)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'compress')
      .send('{}');
    expect(encoded.status).toBe(415);
    expect(encoded.body.error).toMatchObject({
      code: 'unsupported_media_type',
      message: 'unsupported body encoding',
    });

    const charset = await t.http
      .post('/api/calls')
      .set('Authorization', `Bearer ${agentToken}`)
      .set('Content-Type', 'application/json; charset=ebcdic-x')
      .send('{}');
    expect(charset.status).toBe(415);
    expect(charset.body.error.code).toBe('unsupported_media_type');
  });
});

describe('NUL characters in text', () => {
  it('POST /api/calls with a NUL in remoteName or pbxCallId → 400 naming the field, nothing stored', async () => {
    for (const field of ['remoteName', 'pbxCallId']) {
      const pbxCallId = `pbx-nul-${idemKey()}`;
      const res = await t.http
        .post('/api/calls')
        .set('Authorization', `Bearer ${agentToken}`)
        .send({
          direction: 'inbound',
          pbxCallId,
          startedAt: '2026-11-20T10:00:00Z',
          [field]: 'Dupont\u0000 SA',
        });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message).toBe(`body.${field}: must not contain NUL characters`);
      expect(await t.models.Call.count({ where: { pbxCallId } })).toBe(0);
    }
  });

  it('an upload with a NUL in its metadata → 400 naming the query field, nothing stored', async () => {
    const wav = makeWav();
    const pair = await t.userWithRole('agent');
    const before = await leftovers(t, pair.user.id);
    const res = await upload(t, pair.accessToken, wav, {
      ...callMeta({ remoteName: 'Dupont\u0000' }),
      sha256: sha256(wav),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('query.remoteName: must not contain NUL characters');
    expect(await leftovers(t, pair.user.id)).toEqual(before);
  });

  it('nested text (a transcript segment) and a user’s name → 400 with the path of the field', async () => {
    const res = await t.http
      .patch(`/api/transcripts/${crypto.randomUUID()}`)
      .set('Authorization', `Bearer ${agentToken}`)
      .send({
        version: 1,
        segments: [
          { speaker: 'agent', startMs: 0, endMs: 1000, text: 'ok' },
          { speaker: 'caller', startMs: 1000, endMs: 2000, text: 'a\u0000b' },
        ],
      });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('body.segments.1.text: must not contain NUL characters');

    const admin = (await t.userWithRole('admin')).accessToken;
    const user = await t.http
      .post('/api/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({
        email: `nul-${idemKey()}@test.local`,
        password: 'long enough password',
        role: 'agent',
        displayName: 'Eve\u0000',
      });
    expect(user.status).toBe(400);
    expect(user.body.error.message).toBe('body.displayName: must not contain NUL characters');
  });
});

describe('refused uploads', () => {
  it('leave no folder behind in the audio store', async () => {
    const storageDir = mkdtempSync(join(t.config.storageDir, '..', 'refused-'));
    const own = await startTestApp({ STORAGE_DIR: storageDir });
    try {
      const pair = await own.userWithRole('agent');
      const good = makeWav();
      const refused = [
        { body: makeWav({ sampleRate: 44100 }), sha: undefined },
        { body: good.subarray(0, 30), sha: undefined },
        { body: good, sha: sha256(Buffer.from('another file')) },
      ];
      for (const { body, sha } of refused) {
        const res = await upload(own, pair.accessToken, body, {
          ...callMeta(),
          sha256: sha ?? sha256(body),
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
      const objects = join(storageDir, 'objects');
      expect(readdirSync(objects)).toEqual([]);
      const stored = await upload(own, pair.accessToken, good, {
        ...callMeta(),
        sha256: sha256(good),
      });
      expect(stored.status).toBe(201);
      expect(readdirSync(objects)).toEqual([stored.body.recording.id.slice(0, 2)]);
    } finally {
      await own.close();
    }
  });
});
