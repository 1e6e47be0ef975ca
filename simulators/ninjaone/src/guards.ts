/** Auth guards shared by the resource routes. */
import type { NextFunction, Request, Response } from 'express';
import { reply } from './http';
import type { AccessToken, SimState } from './state';
import { incidentId } from './state';

export function tokenOf(res: Response): AccessToken {
  return res.locals.token as AccessToken;
}

/** Guard for writes: `ticket` writes also need a user-context token when the switch is on. */
export function requireWrite(state: SimState, kind: 'ticket' | 'other') {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const t = tokenOf(res);
    if (
      kind === 'ticket' &&
      t.kind === 'client_credentials' &&
      state.config.clientCredentialsCannotWrite
    ) {
      return reply(res, 403, { resultCode: 'user_context_required', incidentId: incidentId() });
    }
    if (!t.scopes.includes('management')) {
      return reply(res, state.config.insufficientScopeStatus, {
        resultCode: 'insufficient_privileges',
        incidentId: incidentId(),
      });
    }
    next();
  };
}

export function boardMatches(
  match: string,
  t: { status: { statusId: number; parentId: number | null }; assignedAppUserId: number | null },
  technicianId: number | null,
): boolean {
  switch (match) {
    case 'open': {
      const base = t.status.parentId ?? t.status.statusId;
      return base < 5000;
    }
    case 'unassigned':
      return t.assignedAppUserId === null;
    case 'mine':
      return technicianId !== null && t.assignedAppUserId === technicianId;
    default:
      return true;
  }
}
