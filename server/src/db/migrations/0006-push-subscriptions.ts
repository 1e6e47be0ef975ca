import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * push_subscriptions: Web Push endpoints of the managers' app ("transcript ready"). One row per
 * browser endpoint, owned by the user who subscribed last; deleted with the user.
 */
export const name = '0006-push-subscriptions';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('push_subscriptions', {
    id: { type: DataTypes.UUID, primaryKey: true },
    user_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: 'users', key: 'id' },
      onDelete: 'CASCADE',
    },
    endpoint: { type: DataTypes.TEXT, allowNull: false, unique: true },
    p256dh: { type: DataTypes.STRING(128), allowNull: false },
    auth: { type: DataTypes.STRING(64), allowNull: false },
    user_agent: { type: DataTypes.STRING(400), allowNull: true },
    last_success_at: { type: DataTypes.DATE, allowNull: true },
    failure_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('push_subscriptions', ['user_id'], { name: 'push_subscriptions_user_id' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('push_subscriptions');
}
