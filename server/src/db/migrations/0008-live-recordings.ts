import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * live_recordings (a call's audio streamed while it lasts, one per call; decision 1400) and
 * live_windows (each channel's windows cut at pauses, one transcription job each, with the
 * segments the worker returned). A window is unique per source, channel and first sample, so a
 * window queued again (a resumed windower, a retried job) is never stored twice.
 */
export const name = '0008-live-recordings';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('live_recordings', {
    id: { type: DataTypes.UUID, primaryKey: true },
    call_id: {
      type: DataTypes.UUID,
      allowNull: false,
      unique: true,
      references: { model: 'calls', key: 'id' },
      onDelete: 'RESTRICT',
    },
    agent_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: 'users', key: 'id' },
      onDelete: 'RESTRICT',
    },
    state: { type: DataTypes.STRING(8), allowNull: false },
    /** Master key of the live audio log (its records' key is derived from it). */
    key_id: { type: DataTypes.STRING(16), allowNull: false },
    /** PCM bytes acknowledged (the log file is the truth after a crash; this follows it). */
    offset_bytes: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
    /** What the close said (or, for a cut-off session, what had arrived). */
    total_bytes: { type: DataTypes.BIGINT, allowNull: true },
    cut_off: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    language_hint: { type: DataTypes.STRING(8), allowNull: true },
    recording_id: {
      type: DataTypes.UUID,
      allowNull: true,
      references: { model: 'recordings', key: 'id' },
      onDelete: 'SET NULL',
    },
    opened_at: { type: DataTypes.DATE, allowNull: false },
    last_append_at: { type: DataTypes.DATE, allowNull: true },
    closed_at: { type: DataTypes.DATE, allowNull: true },
  });
  await qi.sequelize.query(
    `ALTER TABLE live_recordings ADD CONSTRAINT live_recordings_state_check
       CHECK (state IN ('open', 'closing', 'closed'))`,
  );
  // The idle sweeper's scan: open and closing sessions only.
  await qi.sequelize.query(
    `CREATE INDEX live_recordings_unfinished ON live_recordings (state, last_append_at)
       WHERE state <> 'closed'`,
  );

  await qi.createTable('live_windows', {
    id: { type: DataTypes.UUID, primaryKey: true },
    /** 'live' (a live recording's log) or 'recording' (an uploaded recording). */
    source_kind: { type: DataTypes.STRING(10), allowNull: false },
    source_id: { type: DataTypes.UUID, allowNull: false },
    call_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: 'calls', key: 'id' },
      onDelete: 'CASCADE',
    },
    channel: { type: DataTypes.STRING(8), allowNull: false },
    start_sample: { type: DataTypes.INTEGER, allowNull: false },
    end_sample: { type: DataTypes.INTEGER, allowNull: false },
    state: { type: DataTypes.STRING(8), allowNull: false },
    /** The job was taken by Redis (false: queue it again, Redis was away). */
    job_queued: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    segments: { type: DataTypes.JSONB, allowNull: true },
    language: { type: DataTypes.STRING(16), allowNull: true },
    model: { type: DataTypes.STRING(200), allowNull: true },
    engine: { type: DataTypes.STRING(100), allowNull: true },
    failure_reason: { type: DataTypes.TEXT, allowNull: true },
    /** When the job whose result is stored finished (a later run replaces it, an older never). */
    finished_at: { type: DataTypes.DATE, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.sequelize.query(
    `ALTER TABLE live_windows ADD CONSTRAINT live_windows_state_check
       CHECK (state IN ('queued', 'done', 'failed'))`,
  );
  await qi.sequelize.query(
    `ALTER TABLE live_windows ADD CONSTRAINT live_windows_channel_check
       CHECK (channel IN ('agent', 'caller'))`,
  );
  await qi.sequelize.query(
    `ALTER TABLE live_windows ADD CONSTRAINT live_windows_source_kind_check
       CHECK (source_kind IN ('live', 'recording'))`,
  );
  await qi.sequelize.query(
    `ALTER TABLE live_windows ADD CONSTRAINT live_windows_span_check CHECK (end_sample > start_sample)`,
  );
  await qi.addIndex('live_windows', ['source_kind', 'source_id', 'channel', 'start_sample'], {
    unique: true,
    name: 'live_windows_source_channel_start_unique',
  });
  await qi.addIndex('live_windows', ['call_id'], { name: 'live_windows_call_id' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('live_windows');
  await qi.dropTable('live_recordings');
}
