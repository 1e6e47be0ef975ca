import type { Request } from 'express';
import type { Models } from '../db/models';
import { verifyAccessToken } from '../auth/tokens';
import { HttpError } from './errors';
import type { AuthUser } from './request-context';

export type Authenticator = (req: Request) => Promise<AuthUser>;

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1] ?? null;
}

/** Resolves the caller from `Authorization: Bearer <access JWT>`; any failure is a 401. */
export function createAuthenticator(models: Models, jwtSecret: string): Authenticator {
  return async (req) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw HttpError.unauthorized('missing bearer token: log in first');
    const result = verifyAccessToken(jwtSecret, token);
    if (!result.ok) {
      throw result.reason === 'expired'
        ? new HttpError(401, 'token_expired', 'access token expired: refresh it')
        : HttpError.unauthorized('invalid access token');
    }
    const user = await models.User.findByPk(result.claims.sub);
    if (!user || !user.active) throw HttpError.unauthorized('this account is no longer active');
    return { id: user.id, role: user.role, email: user.email, displayName: user.displayName };
  };
}
