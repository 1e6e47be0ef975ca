import { TokenPair, User } from '@cwn/protocol';
import type { HttpClient } from './http';

export const authApi = (http: HttpClient) => ({
  login: (email: string, password: string) =>
    http.json(TokenPair, '/api/auth/login', {
      method: 'POST',
      body: { email, password },
      anonymous: true,
    }),
  refresh: (refreshToken: string) =>
    http.json(TokenPair, '/api/auth/refresh', {
      method: 'POST',
      body: { refreshToken },
      anonymous: true,
    }),
  logout: (refreshToken: string) =>
    http.raw('/api/auth/logout', { method: 'POST', body: { refreshToken }, anonymous: true }),
  me: () => http.json(User, '/api/auth/me'),
});
export type AuthApi = ReturnType<typeof authApi>;
