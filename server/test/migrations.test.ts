import { QueryTypes } from 'sequelize';
import { createSequelize } from '../src/db/sequelize';
import { createMigrator, migrateUp } from '../src/db/migrator';
import { freshDatabase } from '@cwn/test-support/services';

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
      expect(applied).toEqual([
        '0001-initial',
        '0002-calls-recordings',
        '0003-transcripts',
        '0004-ninjaone-tickets',
        '0005-kiosk-tokens',
        '0006-push-subscriptions',
        '0007-calls-search-index',
        '0008-live-recordings',
        '0011-transcript-settings',
        '0012-live-discard-timings',
      ]);
      expect(await tables()).toEqual(
        expect.arrayContaining([
          'audit_log',
          'calls',
          'kiosk_tokens',
          'live_recordings',
          'live_windows',
          'push_subscriptions',
          'recordings',
          'refresh_tokens',
          'schema_migrations',
          'settings',
          'tickets',
          'transcripts',
          'users',
        ]),
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
      // One call per (agent, 3CX call id), one recording per call.
      await sequelize.query(
        `INSERT INTO users (id, email, display_name, role, password_hash, active, created_at, updated_at)
         VALUES ('00000000-0000-4000-8000-000000000001', 'a@y.z', 'A', 'agent', 'h', true, now(), now())`,
      );
      const call = (id: string, status = 'ringing') =>
        sequelize.query(
          `INSERT INTO calls (id, agent_id, direction, pbx_call_id, started_at, status, created_at, updated_at)
           VALUES ('${id}', '00000000-0000-4000-8000-000000000001', 'inbound', 'pbx-1', now(), '${status}', now(), now())`,
        );
      await call('00000000-0000-4000-8000-0000000000c1');
      await expect(call('00000000-0000-4000-8000-0000000000c2')).rejects.toMatchObject({
        name: 'SequelizeUniqueConstraintError',
      });
      await expect(call('00000000-0000-4000-8000-0000000000c3', 'bogus')).rejects.toThrow(
        /calls_status_check/,
      );
      // A user's push subscriptions go with the user; an endpoint is stored once.
      await sequelize.query(
        `INSERT INTO users (id, email, display_name, role, password_hash, active, created_at, updated_at)
         VALUES ('00000000-0000-4000-8000-000000000002', 'm@y.z', 'M', 'manager', 'h', true, now(), now())`,
      );
      const subscription = () =>
        sequelize.query(
          `INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at, updated_at)
           VALUES (gen_random_uuid(), '00000000-0000-4000-8000-000000000002', 'https://push.example/1', 'k', 'a', now(), now())`,
        );
      await subscription();
      await expect(subscription()).rejects.toMatchObject({
        name: 'SequelizeUniqueConstraintError',
      });
      await sequelize.query(`DELETE FROM users WHERE id = '00000000-0000-4000-8000-000000000002'`);
      expect(
        await sequelize.query('SELECT 1 FROM push_subscriptions', { type: QueryTypes.SELECT }),
      ).toEqual([]);
    } finally {
      await sequelize.close();
      await db.drop();
    }
  });
});
