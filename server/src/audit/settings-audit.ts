import type { Request } from 'express';
import { requestMeta } from '../http/request-context';
import type { AuditLog } from './audit';

/**
 * The audit entry of an admin's change to one group of settings (alerts, retention, whisper,
 * ninjaone): action `<group>.<what>`, target `settings/<group>`, with the request's ip and id.
 * `details` holds before/after values, never a secret (say "replaced"/"kept" instead).
 */
export function auditSettingsChange(
  audit: Pick<AuditLog, 'write'>,
  change: {
    req: Request;
    actorId: string;
    group: string;
    what: string;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  return audit.write({
    action: `${change.group}.${change.what}`,
    actorId: change.actorId,
    targetType: 'settings',
    targetId: change.group,
    ...(change.details ? { details: change.details } : {}),
    ...requestMeta(change.req),
  });
}
