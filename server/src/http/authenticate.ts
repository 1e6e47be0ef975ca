import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Models } from '../db/models';
import { verifyAccessToken } from '../auth/tokens';
import { HttpError } from './errors';
import type { AuthUser } from './request-context';

export type Authenticator = (req: Request) => Promise<AuthUser>;
/** Accepts only the workers' shared token; throws an `HttpError` otherwise. */
export type WorkerAuthenticator = (req: Request) => void;

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

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Internal routes: `Authorization: Bearer <WORKER_TOKEN>`, compared in constant time. A valid
 * user access token gets 403 (a user may never act as a worker), anything else 401.
 */
export function createWorkerAuthenticator(
  workerToken: string,
  jwtSecret: string,
): WorkerAuthenticator {
  const expected = digest(workerToken);
  return (req) => {
    const token = bearerToken(req.headers.authorization);
    if (!token)
      throw HttpError.unauthorized('missing bearer token: internal routes need the worker token');
    if (timingSafeEqual(digest(token), expected)) return;
    if (verifyAccessToken(jwtSecret, token).ok) {
      throw HttpError.forbidden('user tokens may not call internal routes');
    }
    throw HttpError.unauthorized('invalid worker token');
  };
}
