import { z } from 'zod';
import {
  AgentList,
  CreateUserRequest,
  Id,
  ResetPasswordRequest,
  UpdateUserRequest,
  User,
  UserList,
} from '@cwn/protocol';
import type { RouteTable } from '../http/routes';
import { requestMeta } from '../http/request-context';
import type { AuditLog } from '../audit/audit';
import { toUserDto, type UsersService } from './users.service';

const IdParams = z.object({ id: Id });

export function registerUserRoutes(routes: RouteTable, users: UsersService, audit: AuditLog): void {
  routes.add(
    {
      method: 'get',
      path: '/api/users',
      summary: 'List users',
      tags: ['users'],
      response: UserList,
    },
    async () => ({ items: await users.list() }),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/agents',
      summary: 'The active agents (id, name, extension), for filters; managers may read it too',
      tags: ['users'],
      response: AgentList,
    },
    async () => ({ items: await users.agents() }),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/users/:id',
      summary: 'One user',
      tags: ['users'],
      params: IdParams,
      response: User,
    },
    async ({ params }) => toUserDto(await users.get(params.id)),
  );

  routes.add(
    {
      method: 'post',
      path: '/api/users',
      summary: 'Create a user (agents may have a 3CX extension number)',
      tags: ['users'],
      body: CreateUserRequest,
      response: User,
      status: 201,
    },
    async ({ req, body, user }) => {
      const created = await users.create(body);
      await audit.write({
        action: 'user.create',
        actorId: user!.id,
        targetType: 'user',
        targetId: created.id,
        details: { role: created.role, email: created.email },
        ...requestMeta(req),
      });
      return created;
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/api/users/:id',
      summary: 'Change a user (name, role, extension, active); deactivating ends their sessions',
      tags: ['users'],
      params: IdParams,
      body: UpdateUserRequest,
      response: User,
    },
    async ({ req, params, body, user }) => {
      const updated = await users.update(params.id, body);
      await audit.write({
        action: body.active === false ? 'user.deactivate' : 'user.update',
        actorId: user!.id,
        targetType: 'user',
        targetId: params.id,
        details: { fields: Object.keys(body) },
        ...requestMeta(req),
      });
      return updated;
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/users/:id/reset-password',
      summary: "Set a new password for a user; ends the user's sessions",
      tags: ['users'],
      params: IdParams,
      body: ResetPasswordRequest,
      status: 204,
    },
    async ({ req, params, body, user }) => {
      await users.resetPassword(params.id, body.password);
      await audit.write({
        action: 'user.reset_password',
        actorId: user!.id,
        targetType: 'user',
        targetId: params.id,
        ...requestMeta(req),
      });
    },
  );
}
