import { createSequelize } from '../db/sequelize';
import { createMigrator, migrateUp } from '../db/migrator';

/** `npm run migrate -w server -- [up|down|status]`: only DATABASE_URL is needed. */
async function main(): Promise<void> {
  const command = process.argv[2] ?? 'up';
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const sequelize = createSequelize(url);
  try {
    if (command === 'up') {
      const applied = await migrateUp(sequelize);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    } else if (command === 'down') {
      const reverted = await createMigrator(sequelize).down();
      console.log(
        reverted.length
          ? `reverted: ${reverted.map((m) => m.name).join(', ')}`
          : 'nothing to revert',
      );
    } else if (command === 'status') {
      const m = createMigrator(sequelize);
      const executed = (await m.executed()).map((x) => x.name);
      const pending = (await m.pending()).map((x) => x.name);
      console.log(
        `executed: ${executed.join(', ') || '(none)'}\npending: ${pending.join(', ') || '(none)'}`,
      );
    } else {
      throw new Error(`unknown command "${command}": use up, down or status`);
    }
  } finally {
    await sequelize.close();
  }
}

main().catch((err: unknown) => {
  console.error(`migrate: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
