import type { Request } from 'express';
import type { Role } from '@cwn/protocol';

/** The authenticated caller, loaded from the database on every request (role changes apply at once). */
export interface AuthUser {
  id: string;
  role: Role;
  email: string;
  displayName: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    user?: AuthUser;
  }
}

export function requestMeta(req: Request): { ip: string | null; requestId: string | null } {
  return {
    ip: req.ip ?? null,
    requestId: typeof req.id === 'string' ? req.id : String(req.id ?? '') || null,
  };
}
