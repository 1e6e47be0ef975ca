import { z } from 'zod';
import { Id, Timestamp } from './common';

/** One line of the audit log: who did what, to what, from where. */
export const AuditEntry = z.object({
  id: z.string(),
  at: Timestamp,
  actorId: Id.nullable(),
  /** The actor's email when the user still exists. */
  actorEmail: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Filters of `GET /api/audit` and `GET /api/audit/export` (newest first). */
export const AuditQuery = z
  .object({
    actorId: Id.optional(),
    /** An action (`user.create`) or a prefix ending with a dot (`auth.`). */
    action: z
      .string()
      .trim()
      .regex(/^[a-z_]+(\.[a-z_]*)*$/, 'action must look like user.create or auth.')
      .max(64)
      .optional(),
    from: Timestamp.optional(),
    to: Timestamp.optional(),
    /** Opaque: the `nextCursor` of the previous page. */
    cursor: z
      .string()
      .regex(/^\d{1,19}$/, 'invalid cursor')
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditPage = z.object({
  items: z.array(AuditEntry),
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof AuditPage>;
