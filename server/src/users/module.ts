import type { ModuleDeps } from '../module-deps';
import { registerAuthRoutes } from '../auth/auth.routes';
import { AuthService } from '../auth/auth.service';
import { createLoginLimiter } from '../http/login-limiter';
import { registerUserRoutes } from './users.routes';
import { UsersService } from './users.service';

export interface UsersModule {
  users: UsersService;
  auth: AuthService;
}

/** People: accounts and roles, and signing in (tokens, refresh, the login rate limit). */
export function createUsersModule(d: ModuleDeps & {}): UsersModule {
  const users = new UsersService(d.models);
  const auth = new AuthService(d.models, d.audit, d.config, d.now);
  registerAuthRoutes(
    d.routes,
    auth,
    users,
    createLoginLimiter({
      redis: d.redis,
      prefix: d.config.redisPrefix,
      max: d.config.loginRateLimit.max,
      windowSeconds: d.config.loginRateLimit.windowSeconds,
    }),
  );
  registerUserRoutes(d.routes, users, d.audit);
  return { users, auth };
}
