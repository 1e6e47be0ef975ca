import { UniqueConstraintError } from 'sequelize';
import type { AgentSummary, CreateUserRequest, Role, UpdateUserRequest, User } from '@cwn/protocol';
import type { Models, UserModel } from '../db/models';
import { HttpError } from '../http/errors';
import { hashPassword } from '../auth/passwords';

export function toUserDto(u: UserModel): User {
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    role: u.role,
    extension: u.extension,
    active: u.active,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

function conflictFrom(err: unknown): never {
  if (err instanceof UniqueConstraintError) {
    const field = Object.keys(err.fields ?? {})[0] ?? 'value';
    throw HttpError.conflict(`a user with this ${field} already exists`, { field });
  }
  throw err;
}

export class UsersService {
  constructor(private readonly models: Models) {}

  async list(): Promise<User[]> {
    const rows = await this.models.User.findAll({ order: [['createdAt', 'ASC']] });
    return rows.map(toUserDto);
  }

  /** The active agents (for filters), by name. */
  async agents(): Promise<AgentSummary[]> {
    const rows = await this.models.User.findAll({
      where: { role: 'agent', active: true },
      order: [
        ['displayName', 'ASC'],
        ['id', 'ASC'],
      ],
    });
    return rows.map((u) => ({ id: u.id, displayName: u.displayName, extension: u.extension }));
  }

  async get(id: string): Promise<UserModel> {
    const user = await this.models.User.findByPk(id);
    if (!user) throw HttpError.notFound('user not found');
    return user;
  }

  async create(input: CreateUserRequest): Promise<User> {
    if (input.extension && input.role !== 'agent') {
      throw HttpError.badRequest('only agents have a 3CX extension number');
    }
    const passwordHash = await hashPassword(input.password);
    try {
      const user = await this.models.User.create({
        id: crypto.randomUUID(),
        email: input.email,
        displayName: input.displayName,
        role: input.role,
        extension: input.extension ?? null,
        passwordHash,
        lastLoginAt: null,
      });
      return toUserDto(user);
    } catch (err) {
      conflictFrom(err);
    }
  }

  async update(id: string, patch: UpdateUserRequest): Promise<User> {
    const user = await this.get(id);
    const role: Role = patch.role ?? user.role;
    const extension = patch.extension === undefined ? user.extension : patch.extension;
    if (extension && role !== 'agent') {
      throw HttpError.badRequest('only agents have a 3CX extension number');
    }
    if (user.role === 'admin' && (role !== 'admin' || patch.active === false)) {
      await this.assertNotLastAdmin(user.id);
    }
    try {
      await user.update({
        displayName: patch.displayName ?? user.displayName,
        role,
        extension,
        active: patch.active ?? user.active,
      });
    } catch (err) {
      conflictFrom(err);
    }
    if (patch.active === false || patch.role !== undefined) await this.revokeSessions(user.id);
    return toUserDto(user);
  }

  async resetPassword(id: string, password: string): Promise<void> {
    const user = await this.get(id);
    await user.update({ passwordHash: await hashPassword(password) });
    await this.revokeSessions(user.id);
  }

  /** Creates the first admin when no active admin exists; returns whether one was created. */
  async ensureAdmin(email: string, password: string): Promise<boolean> {
    const existing = await this.models.User.count({ where: { role: 'admin', active: true } });
    if (existing > 0) return false;
    const byEmail = await this.models.User.findOne({ where: { email } });
    if (byEmail) {
      await byEmail.update({
        role: 'admin',
        active: true,
        passwordHash: await hashPassword(password),
      });
      return true;
    }
    await this.create({ email, password, role: 'admin', displayName: 'Administrator' });
    return true;
  }

  private async revokeSessions(userId: string): Promise<void> {
    await this.models.RefreshToken.update(
      { revokedAt: new Date() },
      { where: { userId, revokedAt: null } },
    );
  }

  private async assertNotLastAdmin(userId: string): Promise<void> {
    const others = await this.models.User.count({
      where: { role: 'admin', active: true },
    });
    const self = await this.models.User.count({
      where: { id: userId, role: 'admin', active: true },
    });
    if (others - self < 1) {
      throw HttpError.conflict('this is the last active admin: create another admin first');
    }
  }
}
