import { startTestApp, type TestApp } from '@cwn/test-support/app';
import {
  callMeta,
  idemKey,
  leftovers,
  makeWav,
  sha256,
  upload,
} from '@cwn/test-support/recording-fixtures';

let t: TestApp;
let agent: { token: string; id: string };

beforeAll(async () => {
  t = await startTestApp();
  const pair = await t.userWithRole('agent');
  agent = { token: pair.accessToken, id: pair.user.id };
});
afterAll(async () => {
  await t.close();
});

/** 20 retries of one upload at once, as a client whose answers are lost sends them. */
async function sameUploadAtOnce(query: Record<string, string>, wav: Buffer) {
  const key = idemKey();
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => upload(t, agent.token, wav, query, key)),
  );
  return answers.map((r) => ({
    status: r.status,
    code: r.body?.error?.code as string | undefined,
    body: r.body,
  }));
}

function expectOneStoredAndReplays(answers: Awaited<ReturnType<typeof sameUploadAtOnce>>) {
  // Each answer is the recording (201 once, 200 replays) or "still in progress, retry".
  const kinds = answers.map((a) => (a.status === 409 ? `409 ${a.code}` : String(a.status)));
  expect(
    kinds.filter((k) => k !== '200' && k !== '201' && k !== '409 idempotency_in_progress'),
  ).toEqual([]);
  expect(kinds.filter((k) => k === '201')).toHaveLength(1);
  const ids = new Set(answers.filter((a) => a.status < 300).map((a) => a.body.recording.id));
  expect(ids.size).toBe(1);
}

describe('concurrent uploads with the same Idempotency-Key', () => {
  const wav = makeWav({ frames: 16000 * 30 }); // 1.9 MB

  it('a call described by its metadata: one recording, every other answer a replay', async () => {
    const before = await leftovers(t, agent.id);
    const answers = await sameUploadAtOnce({ ...callMeta(), sha256: sha256(wav) }, wav);
    expectOneStoredAndReplays(answers);
    const after = await leftovers(t, agent.id);
    expect(after.recordings - before.recordings).toBe(1);
    expect(after.calls - before.calls).toBe(1);
    expect(after.files - before.files).toBe(1);
  });

  it('an existing call (callId): one recording, every other answer a replay', async () => {
    const call = await t.http
      .post('/api/calls')
      .set('Authorization', `Bearer ${agent.token}`)
      .send({
        direction: 'inbound',
        pbxCallId: `pbx-${idemKey()}`,
        startedAt: '2026-11-20T10:00:00Z',
      });
    expect(call.status).toBe(201);
    const before = await leftovers(t, agent.id);
    const answers = await sameUploadAtOnce({ callId: call.body.id, sha256: sha256(wav) }, wav);
    expectOneStoredAndReplays(answers);
    const after = await leftovers(t, agent.id);
    expect(after.recordings - before.recordings).toBe(1);
    expect(after.files - before.files).toBe(1);
  });

  it('another file for a call that has its recording is still a conflict', async () => {
    const meta = callMeta();
    const first = await upload(t, agent.token, wav, { ...meta, sha256: sha256(wav) });
    expect(first.status).toBe(201);
    const other = makeWav({ frames: 16000 * 2 });
    const second = await upload(t, agent.token, other, {
      callId: first.body.callId,
      sha256: sha256(other),
    });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toBe('this call already has a recording');
  });
});
