import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * transcripts (one per recording, stored once however often the worker's result is seen),
 * transcript_edits (one history row per accepted edit) and calls.failure_reason (why processing
 * gave up, shown to admins and the agent).
 */
export const name = '0003-transcripts';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('transcripts', {
    id: { type: DataTypes.UUID, primaryKey: true },
    call_id: {
      type: DataTypes.UUID,
      allowNull: false,
      unique: true,
      references: { model: 'calls', key: 'id' },
      onDelete: 'RESTRICT',
    },
    // Unique: the worker's result for one recording becomes at most one row (replays, replicas).
    recording_id: {
      type: DataTypes.UUID,
      allowNull: false,
      unique: true,
      references: { model: 'recordings', key: 'id' },
      onDelete: 'RESTRICT',
    },
    language: { type: DataTypes.STRING(16), allowNull: false },
    segments: { type: DataTypes.JSONB, allowNull: false },
    model: { type: DataTypes.STRING(200), allowNull: false },
    engine: { type: DataTypes.STRING(100), allowNull: false },
    timings: { type: DataTypes.JSONB, allowNull: false },
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'draft' },
    version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
    validated_at: { type: DataTypes.DATE, allowNull: true },
    validated_by: {
      type: DataTypes.UUID,
      allowNull: true,
      references: { model: 'users', key: 'id' },
      onDelete: 'RESTRICT',
    },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.sequelize.query(
    `ALTER TABLE transcripts ADD CONSTRAINT transcripts_status_check CHECK (status IN ('draft', 'validated'))`,
  );
  await qi.sequelize.query(
    `ALTER TABLE transcripts ADD CONSTRAINT transcripts_version_check CHECK (version >= 1)`,
  );
  // Retention purges by age.
  await qi.addIndex('transcripts', ['created_at']);

  await qi.createTable('transcript_edits', {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    transcript_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: 'transcripts', key: 'id' },
      onDelete: 'CASCADE',
    },
    /** The version this edit produced. */
    version: { type: DataTypes.INTEGER, allowNull: false },
    segments_before: { type: DataTypes.JSONB, allowNull: false },
    segments_after: { type: DataTypes.JSONB, allowNull: false },
    edited_by: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: 'users', key: 'id' },
      onDelete: 'RESTRICT',
    },
    at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('transcript_edits', ['transcript_id', 'version'], {
    unique: true,
    name: 'transcript_edits_transcript_version_unique',
  });

  await qi.addColumn('calls', 'failure_reason', { type: DataTypes.TEXT, allowNull: true });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn('calls', 'failure_reason');
  await qi.dropTable('transcript_edits');
  await qi.dropTable('transcripts');
}
