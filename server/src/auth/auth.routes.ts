import { LoginRequest, LogoutRequest, RefreshRequest, TokenPair, User } from '@cwn/protocol';
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
  routes.add(
    {
      method: 'post',
      path: '/api/auth/login',
      summary: 'Log in with email and password; returns an access JWT and a refresh token',
      tags: ['auth'],
      body: LoginRequest,
      response: TokenPair,
    },
    async ({ req, res, body }) => {
      await new Promise<void>((resolve, reject) =>
        loginLimiter(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
      );
      if (res.headersSent) return;
      return auth.login(body.email, body.password, requestMeta(req));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/auth/refresh',
      summary: 'Exchange a refresh token for a new pair (the old one becomes used)',
      tags: ['auth'],
      body: RefreshRequest,
      response: TokenPair,
    },
    ({ req, body }) => auth.refresh(body.refreshToken, requestMeta(req)),
  );

  routes.add(
    {
      method: 'post',
      path: '/api/auth/logout',
      summary: 'Revoke the session the refresh token belongs to',
      tags: ['auth'],
      body: LogoutRequest,
      status: 204,
    },
    async ({ req, body }) => {
      await auth.logout(body.refreshToken, requestMeta(req));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/auth/me',
      summary: 'The logged-in user',
      tags: ['auth'],
      response: User,
    },
    async ({ user }) => toUserDto(await users.get(user!.id)),
  );
}
