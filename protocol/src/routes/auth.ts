import { LoginRequest, LogoutRequest, RefreshRequest, TokenPair } from '../auth';
import { User } from '../users';
import { route } from './route';

export const authRoutes = {
  login: route({
    method: 'post',
    path: '/api/auth/login',
    summary: 'Log in with email and password; returns an access JWT and a refresh token',
    tags: ['auth'],
    body: LoginRequest,
    response: TokenPair,
  }),
  refresh: route({
    method: 'post',
    path: '/api/auth/refresh',
    summary: 'Exchange a refresh token for a new pair (the old one becomes used)',
    tags: ['auth'],
    body: RefreshRequest,
    response: TokenPair,
  }),
  logout: route({
    method: 'post',
    path: '/api/auth/logout',
    summary: 'Revoke the session the refresh token belongs to',
    tags: ['auth'],
    body: LogoutRequest,
    status: 204,
  }),
  me: route({
    method: 'get',
    path: '/api/auth/me',
    summary: 'The logged-in user',
    tags: ['auth'],
    response: User,
  }),
};
