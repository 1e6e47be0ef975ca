import { CallList } from '@cwn/protocol';
import { QueryTypes, type FindOptions } from 'sequelize';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { sampleResult, seedCallWithRecording } from '@cwn/test-support/transcript-fixtures';

/**
 * The trigram indexes of migration 0007 behind `GET /api/calls?q=`: the transcript's words kept in
 * `transcripts.search_text` through inserts and edits, the plan of the service's real query using
 * the indexes, and the configurable country code of national numbers.
 */
let t: TestApp;
let manager: string;
let agent: { token: string; id: string };

beforeAll(async () => {
  t = await startTestApp({ DEFAULT_COUNTRY_CODE: '41' });
  manager = (await t.userWithRole('manager')).accessToken;
  const a = await t.userWithRole('agent');
  agent = { token: a.accessToken, id: a.user.id };
});
afterAll(async () => {
  await t.close();
});

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

async function search(q: string): Promise<string[]> {
  const res = await t.http.get('/api/calls').query({ q, limit: 200 }).set(auth(manager));
  expect(res.status).toBe(200);
  return CallList.parse(res.body).items.map((c) => c.id);
}

async function transcribedCall(
  remoteNumber: string,
  text: string,
): Promise<{ callId: string; transcriptId: string }> {
  const { callId, recordingId } = await seedCallWithRecording(t.models, agent.id, {
    status: 'transcribed',
  });
  await t.models.Call.update({ remoteNumber, remoteName: null }, { where: { id: callId } });
  const result = sampleResult();
  const transcriptId = crypto.randomUUID();
  await t.models.Transcript.create({
    id: transcriptId,
    callId,
    recordingId,
    language: 'fr',
    segments: [
      { speaker: 'agent', startMs: 0, endMs: 1_000, text: 'Support, bonjour.' },
      { speaker: 'caller', startMs: 1_000, endMs: 2_000, text },
    ],
    model: result.model,
    engine: result.engine,
    timings: result.timings,
  });
  return { callId, transcriptId };
}

const searchText = async (transcriptId: string) =>
  (
    await t.sequelize.query<{ search_text: string }>(
      `SELECT search_text FROM transcripts WHERE id = :id`,
      {
        type: QueryTypes.SELECT,
        replacements: { id: transcriptId },
      },
    )
  )[0]?.search_text;

it('keeps the transcript words in search_text when a transcript is stored and when it is edited', async () => {
  const tag = `ix${Date.now().toString(36)}`;
  const { callId, transcriptId } = await transcribedCall(
    '+33 1 23 45 67 89',
    `Le ${tag}scanner est bloqué.`,
  );
  expect(await searchText(transcriptId)).toBe(`Support, bonjour.\nLe ${tag}scanner est bloqué.`);
  expect(await search(`${tag}scanner`)).toEqual([callId]);
  // A word that would only exist across two segments ("bonjour.Le") matches nothing, as before.
  expect(await search(`bonjour.Le ${tag}scanner`)).toEqual([]);

  const edited = await t.http
    .patch(`/api/transcripts/${transcriptId}`)
    .set(auth(manager))
    .send({
      version: 1,
      segments: [
        { speaker: 'caller', startMs: 0, endMs: 2_000, text: `La ${tag}plastifieuse chauffe.` },
      ],
    });
  expect(edited.status).toBe(200);
  expect(await searchText(transcriptId)).toBe(`La ${tag}plastifieuse chauffe.`);
  expect(await search(`${tag}plastifieuse`)).toEqual([callId]);
  expect(await search(`${tag}scanner`)).toEqual([]);
});

it('a national number stands for the configured country code (DEFAULT_COUNTRY_CODE=41 here)', async () => {
  const tag = `cc${Date.now().toString(36)}`;
  const { callId } = await transcribedCall('+41 22 555 77 88', `Appel ${tag}.`);
  expect(await search('022 555 77 88')).toEqual(expect.arrayContaining([callId]));
  const french = await transcribedCall('+33 6 55 57 78 81', `Appel ${tag}.`);
  // 06… is +41 6… here, not +33 6….
  expect(await search('06 55 57 78 81')).not.toContain(french.callId);
  expect(await search('+33 6 55 57 78 81')).toEqual([french.callId]);
});

it("the service's search query is answered by the trigram indexes", async () => {
  // The SQL the service really runs for a word and a number, captured from its findAll.
  const statements: string[] = [];
  const findAll = t.models.Call.findAll.bind(t.models.Call);
  const spy = jest.spyOn(t.models.Call, 'findAll').mockImplementation(((options?: FindOptions) =>
    findAll({
      ...options,
      logging: (sql: string) => statements.push(sql),
    })) as typeof t.models.Call.findAll);
  try {
    await search('imprimante');
    await search('06 12 34');
  } finally {
    spy.mockRestore();
  }
  expect(statements).toHaveLength(2);
  const plans: string[] = [];
  for (const statement of statements) {
    const sql = statement.replace(/^Executing \([^)]*\): /, '').replace(/;\s*$/, '');
    // A handful of test rows would be read sequentially anyway: forbid that to see which indexes apply.
    const plan = await t.sequelize.transaction(async (transaction) => {
      await t.sequelize.query('SET LOCAL enable_seqscan = off', { transaction });
      const rows = await t.sequelize.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, {
        type: QueryTypes.SELECT,
        transaction,
      });
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    plans.push(plan);
  }
  const [word, number] = plans as [string, string];
  expect(word).toContain('transcripts_search_text_trgm');
  expect(word).toContain('calls_remote_name_trgm');
  expect(word).not.toMatch(/jsonb_array_elements/);
  expect(number).toContain('calls_remote_digits_trgm');
});
