import { z } from 'zod';
import { Id, Timestamp } from './common';

export const ROLES = ['agent', 'supervisor', 'manager', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const Email = z.string().trim().toLowerCase().max(254).pipe(z.email());

/** A 3CX extension number (digits only, 2 to 10 of them). */
export const Extension = z.string().regex(/^\d{2,10}$/, 'extension must be 2 to 10 digits');

/** Minimum password policy: long enough to resist guessing, short enough to hash quickly. */
export const Password = z.string().min(10, 'password must be at least 10 characters').max(256);

export const User = z.object({
  id: Id,
  email: z.string(),
  displayName: z.string(),
  role: Role,
  extension: z.string().nullable(),
  active: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type User = z.infer<typeof User>;

export const CreateUserRequest = z
  .object({
    email: Email,
    displayName: z.string().trim().min(1).max(120),
    role: Role,
    password: Password,
    extension: Extension.optional(),
  })
  .strict();
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

export const UpdateUserRequest = z
  .object({
    displayName: z.string().trim().min(1).max(120).optional(),
    role: Role.optional(),
    extension: Extension.nullable().optional(),
    active: z.boolean().optional(),
  })
  .strict();
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;

export const ResetPasswordRequest = z.object({ password: Password }).strict();
export type ResetPasswordRequest = z.infer<typeof ResetPasswordRequest>;

export const UserList = z.object({ items: z.array(User) });
export type UserList = z.infer<typeof UserList>;

/**
 * `GET /api/agents`: the active agents, for filters (the inbox's "Agent" select). Only what a
 * filter needs, so that managers, who may not list users, can read it.
 */
export const AgentSummary = z.object({
  id: Id,
  displayName: z.string(),
  extension: z.string().nullable(),
});
export type AgentSummary = z.infer<typeof AgentSummary>;

export const AgentList = z.object({ items: z.array(AgentSummary) });
export type AgentList = z.infer<typeof AgentList>;
