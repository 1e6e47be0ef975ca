import { QueryTypes } from 'sequelize';
import { createSequelize } from '../src/db/sequelize';
import { createMigrator, migrateUp } from '../src/db/migrator';
import { freshDatabase } from './support/services';

describe('migrations', () => {
  it('build the schema from an empty database, revert cleanly, and re-apply', async () => {
    const db = await freshDatabase('migrations');
    const sequelize = createSequelize(db.url);
    const tables = async () =>
      (
        await sequelize.query<{ name: string }>(
          `SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
          { type: QueryTypes.SELECT },
        )
      ).map((r) => r.name);
    try {
      expect(await tables()).toEqual([]);
      const applied = await migrateUp(sequelize);
      expect(applied).toContain('0001-initial');
      expect(await tables()).toEqual(
        expect.arrayContaining(['audit_log', 'refresh_tokens', 'schema_migrations', 'settings', 'users']),
      );
      // Running again is a no-op, even from two callers at once (advisory lock).
      expect(await Promise.all([migrateUp(sequelize), migrateUp(sequelize)])).toEqual([[], []]);
      await createMigrator(sequelize).down({ to: 0 });
      expect(await tables()).toEqual(['schema_migrations']);
      await migrateUp(sequelize);
      expect(await tables()).toContain('users');
      // The role check constraint holds at the database level too.
      await expect(
        sequelize.query(
          `INSERT INTO users (id, email, display_name, role, password_hash, active, created_at, updated_at)
           VALUES (gen_random_uuid(), 'x@y.z', 'X', 'root', 'h', true, now(), now())`,
        ),
      ).rejects.toThrow(/users_role_check/);
    } finally {
      await sequelize.close();
      await db.drop();
    }
  });
});
