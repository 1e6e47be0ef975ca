import { Op } from 'sequelize';
import type { TokenPair } from '@cwn/protocol';
import type { Models, UserModel } from '../db/models';
import type { AuditLog } from '../audit/audit';
import { HttpError } from '../http/errors';
import { toUserDto } from '../users/users.service';
import { decoyHash, verifyPassword } from './passwords';
import { hashRefreshToken, newRefreshToken, signAccessToken } from './tokens';

export interface AuthSettings {
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
}

export interface RequestMeta {
  ip?: string | null;
  requestId?: string | null;
}

const INVALID_LOGIN = 'email or password is incorrect';
const INVALID_REFRESH = 'refresh token is invalid or expired: log in again';

/**
 * Login and the refresh-token rotation. Each login starts a token family; every refresh marks the
 * presented token used and issues its successor in the same family. Presenting a used token again
 * means it was stolen (or replayed): the whole family is revoked.
 */
export class AuthService {
  constructor(
    private readonly models: Models,
    private readonly audit: AuditLog,
    private readonly settings: AuthSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async login(email: string, password: string, meta: RequestMeta): Promise<TokenPair> {
    const user = await this.models.User.findOne({ where: { email } });
    if (!user) {
      await verifyPassword(await decoyHash(), password);
      await this.audit.write({
        action: 'auth.login_failed',
        details: { reason: 'unknown_email' },
        ...meta,
      });
      throw HttpError.unauthorized(INVALID_LOGIN);
    }
    const ok = await verifyPassword(user.passwordHash, password);
    if (!ok) {
      await this.audit.write({
        action: 'auth.login_failed',
        actorId: user.id,
        details: { reason: 'bad_password' },
        ...meta,
      });
      throw HttpError.unauthorized(INVALID_LOGIN);
    }
    if (!user.active) {
      await this.audit.write({
        action: 'auth.login_failed',
        actorId: user.id,
        details: { reason: 'deactivated' },
        ...meta,
      });
      throw new HttpError(403, 'forbidden', 'this account is deactivated: ask an admin');
    }
    await user.update({ lastLoginAt: this.now() });
    await this.audit.write({ action: 'auth.login', actorId: user.id, ...meta });
    return this.issue(user, crypto.randomUUID());
  }

  async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
    const row = await this.models.RefreshToken.findOne({
      where: { tokenHash: hashRefreshToken(refreshToken) },
    });
    if (!row) throw HttpError.unauthorized(INVALID_REFRESH);
    if (row.revokedAt) throw HttpError.unauthorized(INVALID_REFRESH);
    if (row.usedAt) {
      await this.revokeFamily(row.familyId);
      await this.audit.write({
        action: 'auth.refresh_reuse',
        actorId: row.userId,
        details: { familyId: row.familyId },
        ...meta,
      });
      throw HttpError.unauthorized(INVALID_REFRESH);
    }
    if (row.expiresAt.getTime() <= this.now().getTime())
      throw HttpError.unauthorized(INVALID_REFRESH);

    // Conditional update: of two concurrent refreshes with the same token, exactly one wins.
    const [claimed] = await this.models.RefreshToken.update(
      { usedAt: this.now() },
      { where: { id: row.id, usedAt: null, revokedAt: null } },
    );
    if (claimed !== 1) {
      await this.revokeFamily(row.familyId);
      throw HttpError.unauthorized(INVALID_REFRESH);
    }
    const user = await this.models.User.findByPk(row.userId);
    if (!user || !user.active) {
      await this.revokeFamily(row.familyId);
      throw HttpError.unauthorized(INVALID_REFRESH);
    }
    return this.issue(user, row.familyId);
  }

  /** Ends the session the refresh token belongs to. Unknown tokens are ignored (idempotent). */
  async logout(refreshToken: string, meta: RequestMeta): Promise<void> {
    const row = await this.models.RefreshToken.findOne({
      where: { tokenHash: hashRefreshToken(refreshToken) },
    });
    if (!row) return;
    await this.revokeFamily(row.familyId);
    await this.audit.write({ action: 'auth.logout', actorId: row.userId, ...meta });
  }

  private async revokeFamily(familyId: string): Promise<void> {
    await this.models.RefreshToken.update(
      { revokedAt: this.now() },
      { where: { familyId, revokedAt: { [Op.is]: null } } },
    );
  }

  private async issue(user: UserModel, familyId: string): Promise<TokenPair> {
    const now = this.now();
    const access = signAccessToken(
      this.settings.jwtSecret,
      user,
      this.settings.accessTokenTtlSeconds,
      now,
    );
    const refresh = newRefreshToken();
    const expiresAt = new Date(now.getTime() + this.settings.refreshTokenTtlDays * 86_400_000);
    await this.models.RefreshToken.create({
      id: crypto.randomUUID(),
      userId: user.id,
      familyId,
      tokenHash: refresh.hash,
      expiresAt,
      usedAt: null,
      revokedAt: null,
    });
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt.toISOString(),
      refreshToken: refresh.token,
      refreshTokenExpiresAt: expiresAt.toISOString(),
      user: toUserDto(user),
    };
  }
}
