import { createSequelize } from '../db/sequelize';
import { defineModels } from '../db/models';
import { migrateUp } from '../db/migrator';
import { demoUsers, seedDemoUsers } from '../demo/demo-users';
import { UsersService } from '../users/users.service';

/**
 * `npm run seed-demo -w server`: the demo users of `npm start` (one per role, see
 * src/demo/demo-users.ts), created or restored; safe to run on every start.
 */
async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const sequelize = createSequelize(url);
  try {
    await migrateUp(sequelize);
    const models = defineModels(sequelize);
    const seeded = await seedDemoUsers(new UsersService(models), models, demoUsers());
    for (const { user, outcome } of seeded) {
      console.log(`${user.role.padEnd(10)} ${user.email} ${outcome}`);
    }
  } finally {
    await sequelize.close();
  }
}

main().catch((err: unknown) => {
  console.error(`seed-demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
