import type { RouteTable } from '../http/routes';
import { requestMeta } from '../http/request-context';
import type { AuditLog } from '../audit/audit';
import { toUserDto, type UsersService } from './users.service';

export function registerUserRoutes(routes: RouteTable, users: UsersService, audit: AuditLog): void {
  routes.handle('listUsers', async () => ({ items: await users.list() }));

  routes.handle('listAgents', async () => ({ items: await users.agents() }));

  routes.handle('getUser', async ({ params }) => toUserDto(await users.get(params.id)));

  routes.handle('createUser', async ({ req, body, user }) => {
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
  });

  routes.handle('updateUser', async ({ req, params, body, user }) => {
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
  });

  routes.handle('resetUserPassword', async ({ req, params, body, user }) => {
    await users.resetPassword(params.id, body.password);
    await audit.write({
      action: 'user.reset_password',
      actorId: user!.id,
      targetType: 'user',
      targetId: params.id,
      ...requestMeta(req),
    });
  });
}
