import { Sequelize } from 'sequelize';
import type { Logger } from '../logger';

export function createSequelize(databaseUrl: string, logger?: Logger): Sequelize {
  return new Sequelize(databaseUrl, {
    dialect: 'postgres',
    logging: logger ? (sql: string) => logger.trace({ sql }, 'sql') : false,
    pool: { max: 10, min: 0, idle: 10_000, acquire: 10_000 },
    dialectOptions: { connectionTimeoutMillis: 5_000 },
    define: { underscored: true, timestamps: true },
  });
}
