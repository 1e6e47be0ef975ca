import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

export class KioskTokenModel extends Model<
  InferAttributes<KioskTokenModel>,
  InferCreationAttributes<KioskTokenModel>
> {
  declare id: string;
  declare name: string;
  declare tokenHash: string;
  declare createdBy: string | null;
  declare lastUsedAt: Date | null;
  declare revokedAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** Binds the kiosk_tokens model (migration 0005) to one Sequelize instance. */
export function defineKioskTokenModel(sequelize: Sequelize): typeof KioskTokenModel {
  class KioskToken extends KioskTokenModel {}
  KioskToken.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      name: { type: DataTypes.STRING(120), allowNull: false },
      tokenHash: { type: DataTypes.CHAR(64), allowNull: false, unique: true },
      createdBy: { type: DataTypes.UUID, allowNull: true },
      lastUsedAt: { type: DataTypes.DATE, allowNull: true },
      revokedAt: { type: DataTypes.DATE, allowNull: true },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'kiosk_tokens', modelName: 'KioskToken' },
  );
  return KioskToken;
}
