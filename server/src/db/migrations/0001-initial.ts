import { DataTypes, type QueryInterface } from 'sequelize';

/** users, refresh_tokens, settings, audit_log. */
export const name = '0001-initial';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('users', {
    id: { type: DataTypes.UUID, primaryKey: true },
    email: { type: DataTypes.STRING(254), allowNull: false, unique: true },
    display_name: { type: DataTypes.STRING(120), allowNull: false },
    role: { type: DataTypes.STRING(16), allowNull: false },
    extension: { type: DataTypes.STRING(10), allowNull: true, unique: true },
    password_hash: { type: DataTypes.STRING(255), allowNull: false },
    active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    last_login_at: { type: DataTypes.DATE, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.sequelize.query(
    `ALTER TABLE users ADD CONSTRAINT users_role_check
       CHECK (role IN ('agent', 'supervisor', 'manager', 'admin'))`,
  );

  await qi.createTable('refresh_tokens', {
    id: { type: DataTypes.UUID, primaryKey: true },
    user_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: 'users', key: 'id' },
      onDelete: 'CASCADE',
    },
    family_id: { type: DataTypes.UUID, allowNull: false },
    token_hash: { type: DataTypes.CHAR(64), allowNull: false, unique: true },
    expires_at: { type: DataTypes.DATE, allowNull: false },
    used_at: { type: DataTypes.DATE, allowNull: true },
    revoked_at: { type: DataTypes.DATE, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('refresh_tokens', ['family_id']);
  await qi.addIndex('refresh_tokens', ['user_id']);

  await qi.createTable('settings', {
    key: { type: DataTypes.STRING(100), primaryKey: true },
    value: { type: DataTypes.JSONB, allowNull: false },
    /** true when `value` holds ciphertext (secrets: NinjaOne client secret, refresh token). */
    encrypted: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    updated_by: { type: DataTypes.UUID, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });

  await qi.createTable('audit_log', {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    at: { type: DataTypes.DATE, allowNull: false },
    actor_id: { type: DataTypes.UUID, allowNull: true },
    action: { type: DataTypes.STRING(64), allowNull: false },
    target_type: { type: DataTypes.STRING(32), allowNull: true },
    target_id: { type: DataTypes.STRING(64), allowNull: true },
    details: { type: DataTypes.JSONB, allowNull: true },
    ip: { type: DataTypes.STRING(64), allowNull: true },
    request_id: { type: DataTypes.STRING(64), allowNull: true },
  });
  await qi.addIndex('audit_log', ['at']);
  await qi.addIndex('audit_log', ['actor_id', 'at']);
  await qi.addIndex('audit_log', ['action', 'at']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('audit_log');
  await qi.dropTable('settings');
  await qi.dropTable('refresh_tokens');
  await qi.dropTable('users');
}
