// The seams between modules built separately: calls ↔ transcripts, retention ↔ transcripts.
import { CallDetail, type TokenPair } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { sampleResult, seedCallWithRecording } from '@cwn/test-support/transcript-fixtures';

const DAY = 86_400_000;
let t: TestApp;
let agent: TokenPair;

beforeAll(async () => {
  t = await startTestApp({ TRANSCRIPT_RETENTION_DAYS: '90' });
  agent = await t.userWithRole('agent');
});
afterAll(async () => {
  await t.close();
});

async function storedTranscript(): Promise<{ callId: string; transcriptId: string }> {
  const { callId, recordingId } = await seedCallWithRecording(t.models, agent.user.id, {
    status: 'transcribing',
  });
  const state = (await t.services.transcripts.recordingStates([recordingId])).get(recordingId)!;
  expect(await t.services.transcripts.persistResult(state, sampleResult())).toBe('stored');
  const row = await t.models.Transcript.findOne({ where: { recordingId } });
  return { callId, transcriptId: row!.id };
}

it('GET /api/calls/:id carries the call’s transcript once it is stored', async () => {
  const { callId, transcriptId } = await storedTranscript();
  const res = await t.http
    .get(`/api/calls/${callId}`)
    .set('Authorization', `Bearer ${agent.accessToken}`);
  expect(res.status).toBe(200);
  const detail = CallDetail.parse(res.body);
  expect(detail.transcript?.id).toBe(transcriptId);
  expect(detail.transcript?.segments.length).toBeGreaterThan(0);
});

it('retention purges transcripts older than TRANSCRIPT_RETENTION_DAYS through the transcripts module', async () => {
  const old = await storedTranscript();
  const recent = await storedTranscript();
  await t.models.Transcript.update(
    { createdAt: new Date(Date.now() - 100 * DAY) },
    { where: { id: old.transcriptId } },
  );

  const dry = await t.retention.service.run({ dryRun: true });
  expect(dry.transcriptsPurged).toBeGreaterThanOrEqual(1);
  expect(await t.models.Transcript.findByPk(old.transcriptId)).not.toBeNull();

  await t.retention.service.run();
  expect(await t.models.Transcript.findByPk(old.transcriptId)).toBeNull();
  expect(await t.models.Transcript.findByPk(recent.transcriptId)).not.toBeNull();
});
