/**
 * The demo's users, one per role, created or brought back to their demo state through
 * UsersService (no SQL here). Running it again changes nothing that is already right: a user whose
 * password still matches keeps its sessions.
 */
import { CreateUserRequest, type Role, type User } from '@cwn/protocol';
import { verifyPassword } from '../auth/passwords';
import type { Models } from '../db/models';
import { toUserDto, type UsersService } from '../users/users.service';

export interface DemoUser {
  role: Role;
  email: string;
  password: string;
  displayName: string;
  /** The agent's 3CX extension (the fake 3CX web client's default is 101). */
  extension?: string;
}

/** The fixed demo accounts; every password can be replaced through the environment. */
export function demoUsers(env: NodeJS.ProcessEnv = process.env): DemoUser[] {
  return [
    {
      role: 'agent',
      email: env.DEMO_AGENT_EMAIL ?? 'agent@demo.local',
      password: env.DEMO_AGENT_PASSWORD ?? 'demo-agent-password',
      displayName: 'Demo Agent',
      extension: env.DEMO_AGENT_EXTENSION ?? '101',
    },
    {
      role: 'supervisor',
      email: env.DEMO_SUPERVISOR_EMAIL ?? 'supervisor@demo.local',
      password: env.DEMO_SUPERVISOR_PASSWORD ?? 'demo-supervisor-password',
      displayName: 'Demo Supervisor',
    },
    {
      role: 'manager',
      email: env.DEMO_MANAGER_EMAIL ?? 'manager@demo.local',
      password: env.DEMO_MANAGER_PASSWORD ?? 'demo-manager-password',
      displayName: 'Demo Manager',
    },
    {
      role: 'admin',
      email: env.ADMIN_EMAIL ?? 'admin@demo.local',
      password: env.ADMIN_PASSWORD ?? 'demo-admin-password',
      displayName: 'Demo Admin',
    },
  ];
}

export type SeedOutcome = 'created' | 'updated' | 'unchanged';

/** Creates each demo user, or restores its role, extension, active flag and password. */
export async function seedDemoUsers(
  users: UsersService,
  models: Models,
  wanted: DemoUser[],
): Promise<{ user: User; outcome: SeedOutcome }[]> {
  const results: { user: User; outcome: SeedOutcome }[] = [];
  for (const demo of wanted) {
    const input = CreateUserRequest.parse({
      email: demo.email,
      password: demo.password,
      role: demo.role,
      displayName: demo.displayName,
      ...(demo.extension ? { extension: demo.extension } : {}),
    });
    const existing = await models.User.findOne({ where: { email: input.email } });
    if (!existing) {
      results.push({ user: await users.create(input), outcome: 'created' });
      continue;
    }
    let outcome: SeedOutcome = 'unchanged';
    const extension = input.extension ?? null;
    if (existing.role !== input.role || existing.extension !== extension || !existing.active) {
      await users.update(existing.id, { role: input.role, extension, active: true });
      outcome = 'updated';
    }
    if (!(await verifyPassword(existing.passwordHash, input.password))) {
      await users.resetPassword(existing.id, input.password);
      outcome = 'updated';
    }
    results.push({ user: toUserDto(await users.get(existing.id)), outcome });
  }
  return results;
}
