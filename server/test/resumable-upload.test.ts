import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { UploadRecordingResponse, UploadSession } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import {
  callMeta,
  idemKey,
  leftovers,
  makeWav,
  nextCallSettled,
  sha256,
} from '@cwn/test-support/recording-fixtures';

let t: TestApp;
let agent: { token: string; id: string };
// The app's clock: starts at the real time (tokens are checked against it), moved by the expiry test.
let now = new Date();

beforeAll(async () => {
  t = await startTestApp({}, { now: () => now });
  const pair = await t.userWithRole('agent');
  agent = { token: pair.accessToken, id: pair.user.id };
});
afterAll(async () => {
  await t.close();
});

function createSession(body: Buffer, key = idemKey(), length = body.length) {
  return t.http
    .post('/api/uploads')
    .query({ ...callMeta(), sha256: sha256(body) })
    .set('Authorization', `Bearer ${agent.token}`)
    .set('Idempotency-Key', key)
    .set('Upload-Length', String(length));
}

function patch(id: string, offset: number, bytes: Buffer) {
  return t.http
    .patch(`/api/uploads/${id}`)
    .set('Authorization', `Bearer ${agent.token}`)
    .set('Content-Type', 'application/offset+octet-stream')
    .set('Upload-Offset', String(offset))
    .send(bytes);
}

/** A PATCH announcing `declared` bytes whose connection dies after `sent` of them. */
function cutPatch(id: string, offset: number, bytes: Buffer, sent: number): Promise<void> {
  const url = new URL(`${t.url()}/api/uploads/${id}`);
  const handled = nextCallSettled(t.recordings.uploads, 'patch');
  const cut = new Promise<void>((resolve) => {
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'PATCH',
      headers: {
        Authorization: `Bearer ${agent.token}`,
        'Content-Type': 'application/offset+octet-stream',
        'Upload-Offset': String(offset),
        'Content-Length': String(bytes.length),
      },
    });
    req.on('error', () => resolve());
    req.write(bytes.subarray(0, sent), () => {
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
  });
  // Done when the server has rolled the PATCH back.
  return cut.then(() => handled);
}

const offsetOf = async (id: string) => {
  const res = await t.http.head(`/api/uploads/${id}`).set('Authorization', `Bearer ${agent.token}`);
  expect(res.status).toBe(200);
  expect(res.headers['upload-length']).toBeDefined();
  return Number(res.headers['upload-offset']);
};

describe('resumable uploads', () => {
  it('survives a connection cut mid-way: resumed from the server offset, one complete recording', async () => {
    const wav = makeWav({ frames: 5 * 16000 }); // 320 KB
    const before = await leftovers(t, agent.id);
    const created = await createSession(wav);
    expect(created.status).toBe(201);
    const session = UploadSession.parse(created.body);
    expect(created.headers.location).toBe(`/api/uploads/${session.id}`);
    expect(session).toMatchObject({ offset: 0, length: wav.length, recordingId: null });

    const first = wav.subarray(0, 100_000);
    const p1 = await patch(session.id, 0, first);
    expect(p1.status).toBe(204);
    expect(p1.headers['upload-offset']).toBe('100000');

    // The staging file holds the first 100 KB, encrypted.
    const stagingDir = join(t.config.storageDir, 'uploads');
    const staged = readFileSync(join(stagingDir, session.id));
    expect(staged.length).toBeGreaterThan(100_000);
    expect(staged.indexOf(wav.subarray(44, 76))).toBe(-1);
    expect(staged.indexOf(wav.subarray(50_000, 50_032))).toBe(-1);

    // The second PATCH dies half-way: nothing of it is kept.
    const second = wav.subarray(100_000, 250_000);
    await cutPatch(session.id, 100_000, second, 70_000);
    expect(await offsetOf(session.id)).toBe(100_000);

    // Wrong offsets are refused with the server's offset.
    const wrong = await patch(session.id, 170_000, wav.subarray(170_000));
    expect(wrong.status).toBe(409);
    expect(wrong.body.error.details).toEqual({ offset: 100_000 });

    expect((await patch(session.id, 100_000, second)).status).toBe(204);
    const last = await patch(session.id, 250_000, wav.subarray(250_000));
    expect(last.status).toBe(201);
    const result = UploadRecordingResponse.parse(last.body);
    expect(result.recording).toMatchObject({
      sizeBytes: wav.length,
      sha256: sha256(wav),
      durationMs: 5000,
    });

    const audio = await t.http
      .get(`/api/recordings/${result.recording.id}/audio`)
      .set('Authorization', `Bearer ${agent.token}`)
      .buffer(true)
      .parse((res, cb) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => cb(null, Buffer.concat(parts)));
      });
    expect(Buffer.compare(audio.body as Buffer, wav)).toBe(0);
    expect(await t.queues.transcription.getJob(result.recording.id)).toBeDefined();

    // Session and staging file are gone; exactly one recording, call and file were added.
    const after = await leftovers(t, agent.id);
    expect(after).toEqual({
      ...before,
      recordings: before.recordings + 1,
      calls: before.calls + 1,
      files: before.files + 1,
    });
    expect(readdirSync(stagingDir)).not.toContain(session.id);
  });

  it('answers a repeated create with the same session, and after completion with the recording', async () => {
    const wav = makeWav({ frames: 16000 });
    const key = idemKey();
    const a = await createSession(wav, key);
    const b = await createSession(wav, key);
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    const done = await patch(a.body.id, 0, wav);
    expect(done.status).toBe(201);
    const c = await createSession(wav, key);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ recordingId: done.body.recording.id, offset: wav.length });
  });

  it('drops the whole upload when its first bytes are not acceptable audio (415), leaving nothing', async () => {
    const bad = makeWav({ sampleRate: 44100 });
    const before = await leftovers(t, agent.id);
    const s = await createSession(bad);
    const res = await patch(s.body.id, 0, bad.subarray(0, 4096));
    expect(res.status).toBe(415);
    expect(res.body.error.message).toMatch(/sample rate 44100 Hz, expected 16000/);
    expect(await leftovers(t, agent.id)).toEqual(before);
  });

  it('refuses a completed file whose sha256 differs (400), leaving nothing', async () => {
    const wav = makeWav({ frames: 8000 });
    const before = await leftovers(t, agent.id);
    const s = await t.http
      .post('/api/uploads')
      .query({ ...callMeta(), sha256: sha256(Buffer.from('something else')) })
      .set('Authorization', `Bearer ${agent.token}`)
      .set('Idempotency-Key', idemKey())
      .set('Upload-Length', String(wav.length));
    const res = await patch(s.body.id, 0, wav);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/sha256 mismatch/);
    expect(await leftovers(t, agent.id)).toEqual(before);
  });

  it('refuses bytes past Upload-Length (413) and lengths over the limit (413)', async () => {
    const wav = makeWav({ frames: 1600 });
    const s = await createSession(wav);
    const res = await patch(s.body.id, 0, Buffer.concat([wav, Buffer.alloc(10)]));
    expect(res.status).toBe(413);
    expect(await offsetOf(s.body.id)).toBe(0);
    const huge = await createSession(wav, idemKey(), 5_000_000_000);
    expect(huge.status).toBe(413);
  });

  it('keeps another agent out of a session (404) and expires sessions', async () => {
    const wav = makeWav({ frames: 1600 });
    const s = await createSession(wav);
    const other = await t.userWithRole('agent');
    const theirs = await t.http
      .get(`/api/uploads/${s.body.id}`)
      .set('Authorization', `Bearer ${other.accessToken}`);
    expect(theirs.status).toBe(404);

    now = new Date(now.getTime() + 25 * 3_600_000);
    const late = await patch(s.body.id, 0, wav);
    expect(late.status).toBe(404);
    expect(late.body.error.message).toMatch(/expired/);
    expect(await t.models.UploadSession.findByPk(s.body.id)).toBeNull();
  });
});
