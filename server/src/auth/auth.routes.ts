import type { RouteTable } from '../http/routes';
import { requestMeta } from '../http/request-context';
import type { RequestHandler } from 'express';
import type { AuthService } from './auth.service';
import type { UsersService } from '../users/users.service';
import { toUserDto } from '../users/users.service';

export function registerAuthRoutes(
  routes: RouteTable,
  auth: AuthService,
  users: UsersService,
  loginLimiter: RequestHandler,
): void {
  routes.handle('login', async ({ req, res, body }) => {
    await new Promise<void>((resolve, reject) =>
      loginLimiter(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
    );
    if (res.headersSent) return;
    return auth.login(body.email, body.password, requestMeta(req));
  });

  routes.handle('refresh', ({ req, body }) => auth.refresh(body.refreshToken, requestMeta(req)));

  routes.handle('logout', async ({ req, body }) => {
    await auth.logout(body.refreshToken, requestMeta(req));
  });

  routes.handle('me', async ({ user }) => toUserDto(await users.get(user!.id)));
}
