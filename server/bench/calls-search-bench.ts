/**
 * What `GET /api/calls?q=` costs with and without the trigram indexes of migration 0007, on N calls
 * with 20-segment transcripts, through CallsService.list (the query the route runs). The same
 * query is timed with the three indexes dropped, then created again, in the same run; the query
 * this one replaced (ILIKE on every segment through jsonb_array_elements) is the baseline.
 *
 *   npx tsx server/bench/calls-search-bench.ts [calls=20000]
 *
 * Needs PostgreSQL (TEST_DATABASE_ADMIN_URL, as the tests); uses a database of its own and drops it.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { CallsService } from '../src/calls/calls.service';
import { CallLifecycle } from '../src/calls/lifecycle/call-lifecycle';
import { createLogger } from '../src/logger';
import { defineModels } from '../src/db/models';
import { migrateUp } from '../src/db/migrator';
import { createSequelize } from '../src/db/sequelize';
import { ListCallsQuery } from '@cwn/protocol';
import { createDatabase, dropDatabase } from '@cwn/test-support/services';

const CALLS = Number(process.argv[2] ?? 20_000);
const RUNS = 7;

const PHRASES = [
  'Bonjour, support informatique, je vous écoute.',
  'Mon imprimante affiche une erreur de bourrage papier depuis ce matin.',
  "Je n'arrive plus à me connecter à la messagerie.",
  'Pouvez-vous me donner le numéro de série inscrit sous la machine ?',
  "Le poste redémarre tout seul quand j'ouvre le logiciel de caisse.",
  'Très bien, je crée un ticket et un technicien vous rappelle.',
  'Le Wi-Fi du magasin coupe toutes les dix minutes.',
  'Merci, bonne journée.',
];

const INDEXES = {
  transcripts_search_text_trgm:
    'CREATE INDEX transcripts_search_text_trgm ON transcripts USING gin (search_text gin_trgm_ops)',
  calls_remote_name_trgm:
    'CREATE INDEX calls_remote_name_trgm ON calls USING gin (remote_name gin_trgm_ops)',
  calls_remote_digits_trgm: `CREATE INDEX calls_remote_digits_trgm ON calls USING gin ((regexp_replace(coalesce(remote_number, ''), '\\D', '', 'g')) gin_trgm_ops)`,
};

/** The search as it was before migration 0007 (one word): every transcript's segments expanded. */
const BEFORE_SQL = `
  SELECT c.id FROM calls c
   WHERE c.remote_name ILIKE :like
      OR EXISTS (SELECT 1 FROM transcripts t, jsonb_array_elements(t.segments) seg
                  WHERE t.call_id = c.id AND seg->>'text' ILIKE :like)
      OR regexp_replace(coalesce(c.remote_number, ''), '\\D', '', 'g') LIKE :digits
   ORDER BY c.started_at DESC, c.id DESC LIMIT 51`;

async function seed(sequelize: Sequelize): Promise<void> {
  const agent = crypto.randomUUID();
  await sequelize.query(
    `INSERT INTO users (id, email, display_name, role, password_hash, active, created_at, updated_at)
     VALUES (:agent, 'bench@bench.local', 'Bench', 'agent', 'x', true, now(), now())`,
    { replacements: { agent } },
  );
  await sequelize.query(
    `INSERT INTO calls (id, agent_id, direction, remote_number, remote_name, pbx_call_id, started_at, status, created_at, updated_at)
     SELECT md5('c' || i)::uuid, :agent, 'inbound', '+33 6 ' || lpad((i * 7919 % 100000000)::text, 8, '0'),
            'Client ' || i, 'pbx-' || i, now() - i * interval '1 minute', 'transcribed', now(), now()
       FROM generate_series(1, :n) AS i`,
    { replacements: { agent, n: CALLS } },
  );
  await sequelize.query(
    `INSERT INTO recordings (id, call_id, agent_id, channels, sample_rate, duration_ms, size_bytes, sha256, key_id, idempotency_key, created_at)
     SELECT md5('r' || i)::uuid, md5('c' || i)::uuid, :agent, 2, 16000, 60000, 1920044, repeat('a', 64), 'k1', 'idem-' || i, now()
       FROM generate_series(1, :n) AS i`,
    { replacements: { agent, n: CALLS } },
  );
  // 20 segments of everyday phrases; one transcript in 1,000 says a rare word.
  await sequelize.query(
    `INSERT INTO transcripts (id, call_id, recording_id, language, segments, model, engine, timings, created_at, updated_at)
     SELECT md5('t' || i)::uuid, md5('c' || i)::uuid, md5('r' || i)::uuid, 'fr',
            (SELECT jsonb_agg(jsonb_build_object(
                      'speaker', CASE WHEN s % 2 = 0 THEN 'agent' ELSE 'caller' END,
                      'startMs', s * 3000, 'endMs', s * 3000 + 2500,
                      'text', CASE WHEN s = 7 AND i % 1000 = 0 THEN 'La photocopieuse Zerbinox fume.'
                                   ELSE (:phrases::text[])[1 + (i + s) % :k] END) ORDER BY s)
               FROM generate_series(0, 19) AS s),
            'bench', 'bench', '{}'::jsonb, now(), now()
       FROM generate_series(1, :n) AS i`,
    {
      replacements: {
        n: CALLS,
        phrases: `{${PHRASES.map((p) => `"${p.replace(/"/g, '\\"')}"`).join(',')}}`,
        k: PHRASES.length,
      },
    },
  );
  await sequelize.query('ANALYZE');
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm the cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)]!;
}

async function main(): Promise<void> {
  const dbName = `cwn_bench_search_${Date.now().toString(36)}_${process.pid}`;
  const sequelize = createSequelize(await createDatabase(dbName));
  try {
    await migrateUp(sequelize);
    const t0 = performance.now();
    await seed(sequelize);
    console.log(
      `${CALLS} calls with 20-segment transcripts written in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    const models = defineModels(sequelize);
    const calls = new CallsService(
      models,
      new CallLifecycle(models, createLogger('silent')),
      () => new Date(),
    );
    const manager = {
      id: crypto.randomUUID(),
      role: 'manager' as const,
      email: 'm@bench.local',
      displayName: 'M',
    };
    const searches: Array<[string, string]> = [
      ['rare transcript word', 'zerbinox'],
      ['common transcript word', 'imprimante'],
      ['name', 'client 1234'],
      ['number (national form)', '06 00 07 91'],
      ['no match', 'xylophone'],
    ];
    const hits = new Map<string, number>();
    const timed = async () => {
      const row = new Map<string, number>();
      for (const [label, q] of searches) {
        const query = ListCallsQuery.parse({ q });
        row.set(
          label,
          await median(async () =>
            hits.set(label, (await calls.list(manager, query)).items.length),
          ),
        );
      }
      return row;
    };
    const before = new Map<string, number>();
    for (const [label, q] of searches) {
      const digits = q.replace(/\D/g, '');
      const replacements = {
        like: `%${q}%`,
        digits:
          digits.length >= 2 && /^[+\d][\d\s().-]*$/.test(q)
            ? `%${digits.replace(/^0/, '33')}%`
            : 'no digits',
      };
      before.set(
        label,
        await median(() => sequelize.query(BEFORE_SQL, { type: QueryTypes.SELECT, replacements })),
      );
    }
    for (const name of Object.keys(INDEXES)) await sequelize.query(`DROP INDEX ${name}`);
    const withoutIndexes = await timed();
    for (const sql of Object.values(INDEXES)) await sequelize.query(sql);
    await sequelize.query('ANALYZE');
    const withIndexes = await timed();

    console.log(
      '| search (q) | hits (page of 50) | before 0007 (jsonb ILIKE) ms | search_text, no index ms | trigram indexes ms | speed-up vs before |',
    );
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const [label, q] of searches) {
      const b = before.get(label)!;
      const w = withIndexes.get(label)!;
      console.log(
        `| ${label}: \`${q}\` | ${hits.get(label)} | ${b.toFixed(1)} | ${withoutIndexes.get(label)!.toFixed(1)} | ${w.toFixed(1)} | ${(b / w).toFixed(1)}× |`,
      );
    }
    console.log(
      `\nmedian of ${RUNS} runs after one warm-up; PostgreSQL ${(await sequelize.query<{ v: string }>("SELECT current_setting('server_version') AS v", { type: QueryTypes.SELECT }))[0]?.v ?? '?'}`,
    );
  } finally {
    await sequelize.close();
    await dropDatabase(dbName);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
