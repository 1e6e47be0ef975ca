import { CallList } from '@cwn/protocol';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { sampleResult, seedCallWithRecording } from '@cwn/test-support/transcript-fixtures';

/** `GET /api/calls?q=`: name, number (digits, 0… ↔ +33…) and the words of the transcript. */
let t: TestApp;
let agent: { token: string; id: string };
let other: { token: string; id: string };
let supervisor: string;

beforeAll(async () => {
  t = await startTestApp();
  const a = await t.userWithRole('agent');
  const b = await t.userWithRole('agent');
  agent = { token: a.accessToken, id: a.user.id };
  other = { token: b.accessToken, id: b.user.id };
  supervisor = (await t.userWithRole('supervisor')).accessToken;
});
afterAll(async () => {
  await t.close();
});

async function seed(
  agentId: string,
  remoteName: string | null,
  remoteNumber: string,
  text?: string,
) {
  const { callId, recordingId } = await seedCallWithRecording(t.models, agentId, {
    status: 'transcribed',
  });
  await t.models.Call.update({ remoteName, remoteNumber }, { where: { id: callId } });
  if (text !== undefined) {
    const result = sampleResult();
    await t.models.Transcript.create({
      id: crypto.randomUUID(),
      callId,
      recordingId,
      language: 'fr',
      segments: [
        { speaker: 'agent', startMs: 0, endMs: 1_000, text: 'Bonjour, support informatique.' },
        { speaker: 'caller', startMs: 1_000, endMs: 3_000, text },
      ],
      model: result.model,
      engine: result.engine,
      timings: result.timings,
    });
  }
  return callId;
}

async function search(token: string, q: string): Promise<string[]> {
  const res = await t.http
    .get('/api/calls')
    .query({ q, limit: 200 })
    .set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
  return CallList.parse(res.body).items.map((c) => c.id);
}

it('finds calls by a word of the transcript, the name or the number, and agents only their own', async () => {
  const tag = `zq${Date.now().toString(36)}`;
  const printer = await seed(
    agent.id,
    'Boulangerie Martin',
    '+33 6 12 34 56 78',
    `L'imprimante ${tag}Xerox est en panne.`,
  );
  const mail = await seed(
    agent.id,
    `Cabinet ${tag}Durand`,
    '+41 22 555 01 02',
    'Ma messagerie ne marche plus.',
  );
  const others = await seed(
    other.id,
    'Garage Dupont',
    '+33 6 98 76 54 32',
    `Mon ${tag}Xerox aussi.`,
  );
  const untranscribed = await seed(agent.id, null, '+33 1 40 00 00 01');

  // A transcript word, case-insensitive and in the middle of a segment.
  expect((await search(supervisor, `${tag}xerox`)).sort()).toEqual([printer, others].sort());
  // Agents see only their own calls, even when searching.
  expect(await search(agent.token, `${tag}xerox`)).toEqual([printer]);
  // The remote name, partly.
  expect(await search(supervisor, `${tag}durand`)).toEqual([mail]);
  // Every word must match (here: a word of the name and one of the transcript).
  expect(await search(supervisor, `cabinet messagerie ${tag}durand`)).toEqual([mail]);
  expect(await search(supervisor, `cabinet ${tag}xerox`)).toEqual([]);
  // Numbers: digits compared, and the national 0… form finds the +33 one.
  expect(await search(supervisor, '06 12 34 56')).toEqual(expect.arrayContaining([printer]));
  expect(await search(supervisor, '0612345678')).toEqual(expect.arrayContaining([printer]));
  expect(await search(supervisor, '+33140000001')).toEqual([untranscribed]);
  expect(await search(supervisor, '22 555 01 02')).toEqual(expect.arrayContaining([mail]));
  // LIKE wildcards are literal: `%` does not match everything.
  expect(await search(supervisor, '%')).toEqual([]);
  // Quotes cannot break out of the query.
  expect(await search(supervisor, `l'imprimante ${tag}xerox`)).toEqual([printer]);
});

it('rejects a search longer than 200 characters with 400', async () => {
  const res = await t.http
    .get('/api/calls')
    .query({ q: 'x'.repeat(201) })
    .set('Authorization', `Bearer ${supervisor}`);
  expect(res.status).toBe(400);
});
