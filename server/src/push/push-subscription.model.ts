import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

export class PushSubscriptionModel extends Model<
  InferAttributes<PushSubscriptionModel>,
  InferCreationAttributes<PushSubscriptionModel>
> {
  declare id: CreationOptional<string>;
  declare userId: string;
  /** The push service URL: a capability, never logged (only its origin is). */
  declare endpoint: string;
  declare p256dh: string;
  declare auth: string;
  declare userAgent: string | null;
  declare lastSuccessAt: CreationOptional<Date | null>;
  declare failureCount: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** Binds the push_subscriptions model (migration 0006) to one Sequelize instance. */
export function definePushSubscriptionModel(sequelize: Sequelize): typeof PushSubscriptionModel {
  class PushSubscription extends PushSubscriptionModel {}
  PushSubscription.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      userId: { type: DataTypes.UUID, allowNull: false },
      endpoint: { type: DataTypes.TEXT, allowNull: false, unique: true },
      p256dh: { type: DataTypes.STRING(128), allowNull: false },
      auth: { type: DataTypes.STRING(64), allowNull: false },
      userAgent: { type: DataTypes.STRING(400), allowNull: true },
      lastSuccessAt: { type: DataTypes.DATE, allowNull: true },
      failureCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'push_subscriptions', modelName: 'PushSubscription' },
  );
  return PushSubscription;
}
