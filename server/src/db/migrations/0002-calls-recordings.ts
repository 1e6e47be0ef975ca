import { DataTypes, type QueryInterface } from 'sequelize';

/** calls (one per phone call, with its processing status) and recordings (at most one per call). */
export const name = '0002-calls-recordings';

const STATUSES = [
  'ringing',
  'connected',
  'held',
  'ended',
  'missed',
  'uploaded',
  'queued',
  'transcribing',
  'transcribed',
  'validated',
  'ticketed',
  'failed',
];

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('calls', {
    id: { type: DataTypes.UUID, primaryKey: true },
    agent_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: 'users', key: 'id' },
      onDelete: 'RESTRICT',
    },
    direction: { type: DataTypes.STRING(8), allowNull: false },
    remote_number: { type: DataTypes.STRING(40), allowNull: true },
    remote_name: { type: DataTypes.STRING(200), allowNull: true },
    pbx_call_id: { type: DataTypes.STRING(128), allowNull: true },
    started_at: { type: DataTypes.DATE, allowNull: false },
    answered_at: { type: DataTypes.DATE, allowNull: true },
    ended_at: { type: DataTypes.DATE, allowNull: true },
    status: { type: DataTypes.STRING(16), allowNull: false },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.sequelize.query(
    `ALTER TABLE calls ADD CONSTRAINT calls_direction_check CHECK (direction IN ('inbound', 'outbound'))`,
  );
  await qi.sequelize.query(
    `ALTER TABLE calls ADD CONSTRAINT calls_status_check
       CHECK (status IN (${STATUSES.map((s) => `'${s}'`).join(', ')}))`,
  );
  await qi.addIndex('calls', ['agent_id', 'pbx_call_id'], {
    unique: true,
    name: 'calls_agent_pbx_call_id_unique',
  });
  // Listing: newest first, overall and per agent.
  await qi.addIndex('calls', ['started_at', 'id']);
  await qi.addIndex('calls', ['agent_id', 'started_at', 'id']);
  await qi.addIndex('calls', ['status', 'started_at']);
  await qi.addIndex('calls', ['remote_number']);

  await qi.createTable('recordings', {
    id: { type: DataTypes.UUID, primaryKey: true },
    call_id: {
      type: DataTypes.UUID,
      allowNull: false,
      unique: true,
      references: { model: 'calls', key: 'id' },
      onDelete: 'RESTRICT',
    },
    /** The uploading agent (the call's agent), for idempotency keys unique per agent. */
    agent_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: 'users', key: 'id' },
      onDelete: 'RESTRICT',
    },
    channels: { type: DataTypes.SMALLINT, allowNull: false },
    sample_rate: { type: DataTypes.INTEGER, allowNull: false },
    duration_ms: { type: DataTypes.INTEGER, allowNull: false },
    size_bytes: { type: DataTypes.BIGINT, allowNull: false },
    sha256: { type: DataTypes.CHAR(64), allowNull: false },
    key_id: { type: DataTypes.STRING(16), allowNull: false },
    idempotency_key: { type: DataTypes.STRING(128), allowNull: false },
    language_hint: { type: DataTypes.STRING(8), allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    purged_at: { type: DataTypes.DATE, allowNull: true },
  });
  await qi.sequelize.query(
    `ALTER TABLE recordings ADD CONSTRAINT recordings_channels_check CHECK (channels IN (1, 2))`,
  );
  await qi.addIndex('recordings', ['agent_id', 'idempotency_key'], {
    unique: true,
    name: 'recordings_agent_idempotency_key_unique',
  });
  await qi.addIndex('recordings', ['created_at']);

  /** Resumable uploads in progress; their bytes are staged encrypted under STORAGE_DIR/uploads. */
  await qi.createTable('upload_sessions', {
    id: { type: DataTypes.UUID, primaryKey: true },
    agent_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: 'users', key: 'id' },
      onDelete: 'CASCADE',
    },
    idempotency_key: { type: DataTypes.STRING(128), allowNull: false },
    /** The validated upload query (call id or call metadata, sha256, language hint). */
    metadata: { type: DataTypes.JSONB, allowNull: false },
    length: { type: DataTypes.BIGINT, allowNull: false },
    offset: { type: DataTypes.BIGINT, allowNull: false },
    /** Bytes of the staging file that hold `offset` bytes of audio (encryption overhead included). */
    staged_bytes: { type: DataTypes.BIGINT, allowNull: false },
    /** Master key id the staging key derives from. */
    key_id: { type: DataTypes.STRING(16), allowNull: false },
    created_at: { type: DataTypes.DATE, allowNull: false },
    expires_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('upload_sessions', ['agent_id', 'idempotency_key'], {
    unique: true,
    name: 'upload_sessions_agent_idempotency_key_unique',
  });
  await qi.addIndex('upload_sessions', ['expires_at']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('upload_sessions');
  await qi.dropTable('recordings');
  await qi.dropTable('calls');
}
