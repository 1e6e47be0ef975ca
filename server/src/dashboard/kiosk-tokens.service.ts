import { createHash, randomBytes } from 'node:crypto';
import { KIOSK_TOKEN_PREFIX, type CreatedKioskToken, type KioskToken } from '@cwn/protocol';
import { HttpError } from '../http/errors';
import type { KioskTokenModel } from './kiosk-token.model';

/** The kiosk a verified token belongs to. */
export interface KioskPrincipal {
  kioskId: string;
  name: string;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Writing last_used_at on every poll would be noise; once a minute is enough to see a screen is alive. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function isKioskToken(token: string): boolean {
  return token.startsWith(KIOSK_TOKEN_PREFIX);
}

function toDto(row: KioskTokenModel): KioskToken {
  return {
    id: row.id,
    name: row.name,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/**
 * Read-only credentials for wall screens: 256 random bits behind a recognizable prefix; only the
 * SHA-256 is stored, so the secret is shown once, at creation. Revoking is immediate.
 */
export class KioskTokensService {
  constructor(
    private readonly KioskToken: typeof KioskTokenModel,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(name: string, createdBy: string): Promise<CreatedKioskToken> {
    const token = KIOSK_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.KioskToken.create({
      id: crypto.randomUUID(),
      name,
      tokenHash: hashToken(token),
      createdBy,
      lastUsedAt: null,
      revokedAt: null,
    });
    return { ...toDto(row), token };
  }

  async list(): Promise<KioskToken[]> {
    const rows = await this.KioskToken.findAll({ order: [['createdAt', 'DESC']] });
    return rows.map(toDto);
  }

  /** Revokes a token (idempotent); the row stays for the audit trail. */
  async revoke(id: string): Promise<KioskToken> {
    const row = await this.KioskToken.findByPk(id);
    if (!row) throw HttpError.notFound(`no kiosk token with id ${id}`);
    if (!row.revokedAt) await row.update({ revokedAt: this.now() });
    return toDto(row);
  }

  /** The kiosk behind a token, or null when the token is unknown or revoked. */
  async verify(token: string): Promise<KioskPrincipal | null> {
    if (!isKioskToken(token) || token.length > 200) return null;
    const row = await this.KioskToken.findOne({ where: { tokenHash: hashToken(token) } });
    if (!row || row.revokedAt) return null;
    const now = this.now();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await row.update({ lastUsedAt: now });
    }
    return { kioskId: row.id, name: row.name };
  }
}
