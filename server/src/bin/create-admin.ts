import { CreateUserRequest } from '@cwn/protocol';
import { createSequelize } from '../db/sequelize';
import { defineModels } from '../db/models';
import { migrateUp } from '../db/migrator';
import { UsersService } from '../users/users.service';

/**
 * `npm run create-admin -w server -- <email> <password> [display name]`: creates an admin, or
 * makes an existing user with that email an active admin with this password.
 */
async function main(): Promise<void> {
  const [email, password, ...name] = process.argv.slice(2);
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const input = CreateUserRequest.safeParse({
    email,
    password,
    role: 'admin',
    displayName: name.join(' ') || 'Administrator',
  });
  if (!input.success) {
    throw new Error(
      `usage: create-admin <email> <password> [name]: ${input.error.issues[0]?.message}`,
    );
  }
  const sequelize = createSequelize(url);
  try {
    await migrateUp(sequelize);
    const models = defineModels(sequelize);
    const existing = await models.User.findOne({ where: { email: input.data.email } });
    const users = new UsersService(models);
    if (existing) {
      await users.update(existing.id, { role: 'admin', active: true });
      await users.resetPassword(existing.id, input.data.password);
      console.log(`${input.data.email} is now an active admin with the given password`);
    } else {
      await users.create(input.data);
      console.log(`admin ${input.data.email} created`);
    }
  } finally {
    await sequelize.close();
  }
}

main().catch((err: unknown) => {
  console.error(`create-admin: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
