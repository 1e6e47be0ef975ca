import { readFileSync, writeFileSync } from 'node:fs';
import request from 'supertest';
import sharp from 'sharp';
import type { LocalBlobStore } from '../src/storage';
import { startTestApp, TEST_WORKER_TOKEN, type TestApp } from '@cwn/test-support/app';
import { callMeta, makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';

let t: TestApp;
let agent: { token: string; id: string };
let otherAgent: string;
let supervisor: string;
let wav: Buffer;
let recordingId: string;

/** Collects a response body as a Buffer whatever its content type. */
const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const parts: Buffer[] = [];
  res.on('data', (c: Buffer) => parts.push(c));
  res.on('end', () => cb(null, Buffer.concat(parts)));
  res.on('error', (err: Error) => cb(err, Buffer.concat(parts)));
};

function audio(path: string, token: string, range?: string) {
  let req = t.http.get(path).set('Authorization', `Bearer ${token}`).buffer(true).parse(binary);
  if (range) req = req.set('Range', range);
  return req;
}

async function storeWav(body: Buffer): Promise<string> {
  const res = await upload(t, agent.token, body, { ...callMeta(), sha256: sha256(body) });
  expect(res.status).toBe(201);
  return res.body.recording.id as string;
}

beforeAll(async () => {
  t = await startTestApp();
  const pair = await t.userWithRole('agent');
  agent = { token: pair.accessToken, id: pair.user.id };
  otherAgent = (await t.userWithRole('agent')).accessToken;
  supervisor = (await t.userWithRole('supervisor')).accessToken;
  // 3 s of stereo: 192 KB, three 64 KiB chunks and a partial one.
  wav = makeWav({ frames: 3 * 16000 });
  recordingId = await storeWav(wav);
});
afterAll(async () => {
  await t.close();
});

const filePath = async (id: string) =>
  ((await t.recordings.store()).blobs as LocalBlobStore).pathOf(id);

describe('stored audio', () => {
  it('is encrypted on disk: no run of the PCM appears in the file', async () => {
    const disk = readFileSync(await filePath(recordingId));
    expect(disk.length).toBeGreaterThan(wav.length);
    for (const at of [44, 10_000, 100_000, wav.length - 64]) {
      expect(disk.indexOf(wav.subarray(at, at + 32))).toBe(-1);
    }
    expect(disk.indexOf(Buffer.from('RIFF'))).toBe(-1);
  });

  it('decrypts back bit-exact through the audio endpoint, and audits the access', async () => {
    const res = await audio(`/api/recordings/${recordingId}/audio`, agent.token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(Buffer.compare(res.body as Buffer, wav)).toBe(0);
    const entries = await t.models.AuditLog.count({
      where: { action: 'recording.audio.read', targetId: recordingId, actorId: agent.id },
    });
    expect(entries).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['bytes=0-43', 0, 43],
    ['bytes=65530-65545', 65530, 65545],
    ['bytes=100000-', 100000, 192043],
    ['bytes=-100', 191944, 192043],
    ['bytes=131072-131072', 131072, 131072],
  ])('serves Range %s as exactly those plaintext bytes (206)', async (range, start, end) => {
    const res = await audio(`/api/recordings/${recordingId}/audio`, supervisor, range);
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${wav.length}`);
    expect(Buffer.compare(res.body as Buffer, wav.subarray(start, end + 1))).toBe(0);
  });

  it('answers 416 for a range past the end', async () => {
    const res = await audio(
      `/api/recordings/${recordingId}/audio`,
      agent.token,
      `bytes=${wav.length}-`,
    );
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${wav.length}`);
  });

  it('fails loudly (500, logged) when a byte of the stored file is flipped, never sending audio', async () => {
    const id = await storeWav(makeWav({ frames: 16000 }));
    const path = await filePath(id);
    const disk = readFileSync(path);
    disk[disk.length - 100]! ^= 0x01; // inside the final chunk, checked before any byte is sent
    writeFileSync(path, disk);
    const logged = jest.spyOn(t.logger, 'error');
    try {
      const res = await audio(`/api/recordings/${id}/audio`, agent.token);
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.body.toString()).toMatch(/could not be read back intact/);
      expect(logged).toHaveBeenCalledWith(
        expect.objectContaining({ recordingId: id, alert: 'recording-unreadable' }),
        expect.stringMatching(/failed to decrypt: corruption, truncation or tampering/),
      );
    } finally {
      logged.mockRestore();
    }
  });

  it('aborts the response (no complete body) when a chunk in the middle is damaged', async () => {
    const body = makeWav({ frames: 3 * 16000 });
    const id = await storeWav(body);
    const path = await filePath(id);
    const disk = readFileSync(path);
    disk[256 + 65_536 + 28 + 500]! ^= 0x80; // second chunk's ciphertext
    writeFileSync(path, disk);
    const outcome = await audio(`/api/recordings/${id}/audio`, agent.token).then(
      (res) => ({ ok: true as const, body: res.body as Buffer }),
      (err: Error) => ({ ok: false as const, err }),
    );
    if (outcome.ok) {
      // Whatever arrived is shorter than the file: the client can tell it is broken.
      expect(outcome.body.length).toBeLessThan(body.length);
    } else {
      expect(outcome.err.message).toMatch(/aborted|socket hang up|ECONNRESET|premature/i);
    }
  });
});

describe('who may read a recording', () => {
  it('hides an agent’s recording from another agent (404), shows it to a supervisor', async () => {
    expect((await audio(`/api/recordings/${recordingId}/audio`, otherAgent)).status).toBe(404);
    expect((await audio(`/api/recordings/${recordingId}/waveform.png`, otherAgent)).status).toBe(
      404,
    );
    expect((await audio(`/api/recordings/${recordingId}/audio`, supervisor)).status).toBe(200);
  });

  it('serves the internal route to the worker token only: a user JWT gets 403, nothing gets 401', async () => {
    const path = `/internal/recordings/${recordingId}/audio`;
    const byWorker = await audio(path, TEST_WORKER_TOKEN);
    expect(byWorker.status).toBe(200);
    expect(Buffer.compare(byWorker.body as Buffer, wav)).toBe(0);
    const ranged = await audio(path, TEST_WORKER_TOKEN, 'bytes=44-1043');
    expect(ranged.status).toBe(206);
    expect(Buffer.compare(ranged.body as Buffer, wav.subarray(44, 1044))).toBe(0);

    const asUser = await t.http.get(path).set('Authorization', `Bearer ${supervisor}`);
    expect(asUser.status).toBe(403);
    expect(asUser.body.error.message).toMatch(/user tokens may not call internal routes/);
    expect(
      (await t.http.get(path).set('Authorization', 'Bearer not-the-token-at-all')).status,
    ).toBe(401);
    expect((await t.http.get(path)).status).toBe(401);
    const missing = await audio(
      '/internal/recordings/00000000-0000-4000-8000-000000000000/audio',
      TEST_WORKER_TOKEN,
    );
    expect(missing.status).toBe(404);
  });

  it('does not accept the worker token on user routes', async () => {
    for (const path of [`/api/recordings/${recordingId}/audio`, '/api/calls', '/api/auth/me']) {
      const res = await t.http.get(path).set('Authorization', `Bearer ${TEST_WORKER_TOKEN}`);
      expect(res.status).toBe(401);
    }
  });
});

describe('waveform', () => {
  it('renders a PNG with one row per channel, cached after the first request', async () => {
    const res = await audio(`/api/recordings/${recordingId}/waveform.png`, agent.token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    const meta = await sharp(res.body as Buffer).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 1000, height: 160 });
    // A loud signal in both rows: the pixel rows near each row's middle are not all background.
    const { data, info } = await sharp(res.body as Buffer)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const coloured = (y: number) => {
      let n = 0;
      for (let x = 0; x < info.width; x++)
        if (
          data[(y * info.width + x) * info.channels]! > 100 ||
          data[(y * info.width + x) * info.channels + 2]! > 100
        )
          n++;
      return n;
    };
    expect(coloured(25)).toBeGreaterThan(900);
    expect(coloured(105)).toBeGreaterThan(900);
    const cached = await t.redis.getBuffer(`${t.config.redisPrefix}:waveform:v1:${recordingId}`);
    expect(cached && Buffer.compare(cached, res.body as Buffer)).toBe(0);
  });
});
