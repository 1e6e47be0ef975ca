import type { ApiClient } from './http';

export const authApi = (api: ApiClient) => ({
  login: (email: string, password: string) => api.login({ body: { email, password } }),
  refresh: (refreshToken: string) => api.refresh({ body: { refreshToken } }),
  logout: (refreshToken: string) => api.logout({ body: { refreshToken } }),
  me: () => api.me(),
});
export type AuthApi = ReturnType<typeof authApi>;
