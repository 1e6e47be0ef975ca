import type { QueryInterface } from 'sequelize';

/**
 * A live recording can be discarded while open ("don't record this call", decision 1400): state
 * `discarded` (the column grows to hold it). The row stays as a tombstone without audio or text,
 * so that an append or close afterwards gets a clear 410 and the call is not opened again.
 */
export const name = '0012-live-discard-timings';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query(`ALTER TABLE live_recordings ALTER COLUMN state TYPE varchar(10)`);
  await qi.sequelize.query(
    `ALTER TABLE live_recordings DROP CONSTRAINT live_recordings_state_check`,
  );
  await qi.sequelize.query(
    `ALTER TABLE live_recordings ADD CONSTRAINT live_recordings_state_check
       CHECK (state IN ('open', 'closing', 'closed', 'discarded'))`,
  );
  // The sweeper's scan covers open and closing sessions only (a discarded one is finished).
  await qi.sequelize.query(`DROP INDEX live_recordings_unfinished`);
  await qi.sequelize.query(
    `CREATE INDEX live_recordings_unfinished ON live_recordings (state, last_append_at)
       WHERE state IN ('open', 'closing')`,
  );
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query(`DELETE FROM live_recordings WHERE state = 'discarded'`);
  await qi.sequelize.query(`DROP INDEX live_recordings_unfinished`);
  await qi.sequelize.query(
    `CREATE INDEX live_recordings_unfinished ON live_recordings (state, last_append_at)
       WHERE state <> 'closed'`,
  );
  await qi.sequelize.query(
    `ALTER TABLE live_recordings DROP CONSTRAINT live_recordings_state_check`,
  );
  await qi.sequelize.query(
    `ALTER TABLE live_recordings ADD CONSTRAINT live_recordings_state_check
       CHECK (state IN ('open', 'closing', 'closed'))`,
  );
  await qi.sequelize.query(`ALTER TABLE live_recordings ALTER COLUMN state TYPE varchar(8)`);
}
