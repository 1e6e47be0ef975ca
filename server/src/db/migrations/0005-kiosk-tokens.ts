import { DataTypes, type QueryInterface } from 'sequelize';

/** kiosk_tokens: read-only, revocable credentials for wall screens; only the SHA-256 is stored. */
export const name = '0005-kiosk-tokens';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('kiosk_tokens', {
    id: { type: DataTypes.UUID, primaryKey: true },
    name: { type: DataTypes.STRING(120), allowNull: false },
    token_hash: { type: DataTypes.CHAR(64), allowNull: false, unique: true },
    created_by: {
      type: DataTypes.UUID,
      allowNull: true,
      references: { model: 'users', key: 'id' },
      onDelete: 'SET NULL',
    },
    last_used_at: { type: DataTypes.DATE, allowNull: true },
    revoked_at: { type: DataTypes.DATE, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('kiosk_tokens');
}
