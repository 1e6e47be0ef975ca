import { z } from 'zod';
import { Timestamp } from './common';
import { Email, Role, User } from './users';

export const LoginRequest = z
  .object({
    email: Email,
    password: z.string().min(1).max(256),
  })
  .strict();
export type LoginRequest = z.infer<typeof LoginRequest>;

export const TokenPair = z.object({
  accessToken: z.string(),
  accessTokenExpiresAt: Timestamp,
  refreshToken: z.string(),
  refreshTokenExpiresAt: Timestamp,
  user: User,
});
export type TokenPair = z.infer<typeof TokenPair>;

export const RefreshRequest = z.object({ refreshToken: z.string().min(16).max(512) }).strict();
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const LogoutRequest = RefreshRequest;
export type LogoutRequest = z.infer<typeof LogoutRequest>;

/** Claims carried by an access JWT. `sub` is the user id. */
export const AccessClaims = z.object({
  sub: z.uuid(),
  role: Role,
  iat: z.number(),
  exp: z.number(),
});
export type AccessClaims = z.infer<typeof AccessClaims>;
