import type { Models } from '../db/models';
import type { SecretBox } from './secret-box';

/**
 * The `settings` table: plain JSON values, and secrets sealed with the SecretBox (`encrypted`
 * true). The only code that reads or writes settings rows.
 */
export class SettingsRepository {
  constructor(
    private readonly models: Models,
    private readonly box: SecretBox,
  ) {}

  async get<T>(key: string): Promise<T | null> {
    const row = await this.models.Setting.findByPk(key);
    if (!row) return null;
    if (row.encrypted) throw new Error(`setting ${key} is a secret: use getSecret`);
    return row.value as T;
  }

  /** A plain setting with who changed it and when (null: no row). */
  async entry<T>(
    key: string,
  ): Promise<{ value: T; updatedAt: Date; updatedBy: string | null } | null> {
    const row = await this.models.Setting.findByPk(key);
    if (!row) return null;
    if (row.encrypted) throw new Error(`setting ${key} is a secret: use getSecret`);
    return { value: row.value as T, updatedAt: row.updatedAt, updatedBy: row.updatedBy };
  }

  async set(key: string, value: unknown, updatedBy: string | null): Promise<void> {
    await this.models.Setting.upsert({ key, value, encrypted: false, updatedBy });
  }

  async getSecret(key: string): Promise<string | null> {
    const row = await this.models.Setting.findByPk(key);
    if (!row) return null;
    if (!row.encrypted) throw new Error(`setting ${key} is not stored encrypted`);
    return this.box.open(key, row.value);
  }

  async hasSecret(key: string): Promise<boolean> {
    return (await this.models.Setting.count({ where: { key } })) > 0;
  }

  async setSecret(key: string, plaintext: string, updatedBy: string | null): Promise<void> {
    await this.models.Setting.upsert({
      key,
      value: this.box.seal(key, plaintext),
      encrypted: true,
      updatedBy,
    });
  }

  async delete(key: string): Promise<void> {
    await this.models.Setting.destroy({ where: { key } });
  }
}
