import { randomBytes } from 'node:crypto';
import { masterKeyId } from '../src/storage';
import { rotateRecordingKeys } from '../src/recordings/key-rotation';
import { startTestApp, TEST_MASTER_KEY, type TestApp } from '@cwn/test-support/app';
import { callMeta, makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';

const apps: TestApp[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
});
async function app(env: Record<string, string> = {}) {
  const a = await startTestApp(env);
  apps.push(a);
  return a;
}

async function fetchAudio(a: TestApp, id: string) {
  const token = (await a.userWithRole('supervisor')).accessToken;
  return a.http
    .get(`/api/recordings/${id}/audio`)
    .set('Authorization', `Bearer ${token}`)
    .buffer(true)
    .parse((res, cb) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => cb(null, Buffer.concat(parts)));
    });
}

describe('master key rotation', () => {
  it('rewraps data keys to the new master key, after which the old key is no longer needed', async () => {
    const before = await app();
    const agent = await before.userWithRole('agent');
    const wav = makeWav({ frames: 16000 });
    const up = await upload(before, agent.accessToken, wav, { ...callMeta(), sha256: sha256(wav) });
    expect(up.status).toBe(201);
    const id = up.body.recording.id as string;
    const oldId = masterKeyId(Buffer.from(TEST_MASTER_KEY, 'base64'));
    expect((await before.models.Recording.findByPk(id))!.keyId).toBe(oldId);

    const newKey = randomBytes(32);
    const during = await app({
      MASTER_KEY: newKey.toString('base64'),
      MASTER_KEYS_PREVIOUS: TEST_MASTER_KEY,
    });
    const deps = {
      models: during.models,
      store: await during.recordings.store(),
      keyring: during.config.keyring,
      audit: during.services.audit,
    };
    const dry = await rotateRecordingKeys(deps, { dryRun: true });
    expect(dry.failed.map((f) => f.id)).not.toContain(id);
    expect(dry.rewrapped).toBeGreaterThanOrEqual(1);
    expect((await during.models.Recording.findByPk(id))!.keyId).toBe(oldId);

    const report = await rotateRecordingKeys(deps);
    expect(report.keyId).toBe(masterKeyId(newKey));
    expect(report.failed.map((f) => f.id)).not.toContain(id);
    expect((await during.models.Recording.findByPk(id))!.keyId).toBe(masterKeyId(newKey));
    const again = await rotateRecordingKeys(deps);
    expect(again.rewrapped).toBe(0);

    // Only the new key: the audio still decrypts bit-exact.
    const after = await app({ MASTER_KEY: newKey.toString('base64') });
    const res = await fetchAudio(after, id);
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, wav)).toBe(0);
    // Only the old key: refused loudly, not garbage.
    const stale = await fetchAudio(before, id);
    expect(stale.status).toBe(500);
  });
});
