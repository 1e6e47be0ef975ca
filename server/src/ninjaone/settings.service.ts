import { createHash } from 'node:crypto';
import {
  NINJAONE_REGIONS,
  type NinjaOneAuthMode,
  type NinjaOnePriority,
  type NinjaOneRegion,
  type NinjaOneSettings,
  type NinjaOneSettingsUpdate,
} from '@cwn/protocol';
import type { SettingsRepository } from '../settings/settings.repository';
import type { ResolvedNinjaOneConfig } from './config';
import { notConfigured } from './errors';

/** Rows of the `settings` table used by NinjaOne. */
export const SETTING_KEYS = {
  config: 'ninjaone.config',
  clientSecret: 'ninjaone.clientSecret',
  refreshToken: 'ninjaone.refreshToken',
  connection: 'ninjaone.connection',
} as const;

interface StoredConfig {
  region: NinjaOneRegion;
  baseUrl: string | null;
  authMode: NinjaOneAuthMode;
  clientId: string | null;
  ticketFormId: number | null;
  statusId: string | null;
  priority: NinjaOnePriority;
  fallbackOrganizationId: number | null;
  subjectTemplate: string | null;
  phoneRegion: string;
}

interface StoredConnection {
  connectedAt: string | null;
  connectedBy: string | null;
  /** NinjaOne refused the refresh token (revoked or expired consent): when and why. */
  lostAt?: string;
  lostReason?: string;
}

const DEFAULTS: StoredConfig = {
  region: 'eu',
  baseUrl: null,
  authMode: 'authorization_code',
  clientId: null,
  ticketFormId: null,
  statusId: null,
  priority: 'NONE',
  fallbackOrganizationId: null,
  subjectTemplate: null,
  phoneRegion: 'FR',
};

/**
 * NinjaOne settings: plain values in one row, the client secret and the refresh token sealed in
 * their own rows. Reads for the admin page never include a secret. Changing the host, the mode or
 * the client id forgets the refresh token (it belongs to the old app).
 */
export class NinjaOneSettingsService {
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly repo: SettingsRepository,
    private readonly publicUrl: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get redirectUri(): string {
    return `${this.publicUrl}/api/ninjaone/callback`;
  }

  /** Called after every change (the client drops cached tokens and lookups). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  private async stored(): Promise<StoredConfig> {
    return {
      ...DEFAULTS,
      ...((await this.repo.get<Partial<StoredConfig>>(SETTING_KEYS.config)) ?? {}),
    };
  }

  private static baseUrlOf(c: Pick<StoredConfig, 'region' | 'baseUrl'>): string | null {
    const url = c.region === 'custom' ? c.baseUrl : NINJAONE_REGIONS[c.region];
    return url ? url.replace(/\/+$/, '') : null;
  }

  async view(): Promise<NinjaOneSettings> {
    const c = await this.stored();
    const [hasClientSecret, connected, connection] = await Promise.all([
      this.repo.hasSecret(SETTING_KEYS.clientSecret),
      this.repo.hasSecret(SETTING_KEYS.refreshToken),
      this.repo.get<StoredConnection>(SETTING_KEYS.connection),
    ]);
    const baseUrl = NinjaOneSettingsService.baseUrlOf(c);
    return {
      region: c.region,
      baseUrl,
      authMode: c.authMode,
      clientId: c.clientId,
      hasClientSecret,
      connected,
      connectedAt: connected && connection ? connection.connectedAt : null,
      connectedBy: connected && connection ? connection.connectedBy : null,
      disconnectedAt: !connected && connection?.lostAt ? connection.lostAt : null,
      disconnectedReason: !connected && connection?.lostReason ? connection.lostReason : null,
      redirectUri: this.redirectUri,
      ticketFormId: c.ticketFormId,
      statusId: c.statusId,
      priority: c.priority,
      fallbackOrganizationId: c.fallbackOrganizationId,
      subjectTemplate: c.subjectTemplate,
      phoneRegion: c.phoneRegion,
      configured: !!baseUrl && !!c.clientId && hasClientSecret,
    };
  }

  async update(input: NinjaOneSettingsUpdate, actorId: string): Promise<NinjaOneSettings> {
    const before = await this.stored();
    const next: StoredConfig = {
      region: input.region,
      baseUrl: input.region === 'custom' ? (input.baseUrl ?? null) : null,
      authMode: input.authMode,
      clientId: input.clientId,
      ticketFormId: input.ticketFormId,
      statusId: input.statusId,
      priority: input.priority,
      fallbackOrganizationId: input.fallbackOrganizationId,
      subjectTemplate: input.subjectTemplate,
      phoneRegion: input.phoneRegion,
    };
    await this.repo.set(SETTING_KEYS.config, next, actorId);
    if (input.clientSecret === null) await this.repo.delete(SETTING_KEYS.clientSecret);
    else if (input.clientSecret !== undefined) {
      await this.repo.setSecret(SETTING_KEYS.clientSecret, input.clientSecret, actorId);
    }
    const appChanged =
      NinjaOneSettingsService.baseUrlOf(before) !== NinjaOneSettingsService.baseUrlOf(next) ||
      before.clientId !== next.clientId ||
      next.authMode !== 'authorization_code';
    if (appChanged) await this.forgetConnection();
    this.changed();
    return this.view();
  }

  /** The configuration the client uses; throws a permanent NinjaOneError when incomplete. */
  async resolve(): Promise<ResolvedNinjaOneConfig> {
    const c = await this.stored();
    const baseUrl = NinjaOneSettingsService.baseUrlOf(c);
    if (!baseUrl) throw notConfigured('no API host (region or base URL)');
    if (!c.clientId) throw notConfigured('no client id');
    const clientSecret = await this.repo.getSecret(SETTING_KEYS.clientSecret);
    if (!clientSecret) throw notConfigured('no client secret');
    const fingerprint = createHash('sha256')
      .update([baseUrl, c.authMode, c.clientId, clientSecret].join('\n'))
      .digest('hex')
      .slice(0, 16);
    return {
      baseUrl,
      authMode: c.authMode,
      clientId: c.clientId,
      clientSecret,
      ticketFormId: c.ticketFormId,
      statusId: c.statusId,
      priority: c.priority,
      fallbackOrganizationId: c.fallbackOrganizationId,
      subjectTemplate: c.subjectTemplate,
      phoneRegion: c.phoneRegion,
      redirectUri: this.redirectUri,
      fingerprint,
    };
  }

  async refreshToken(): Promise<string | null> {
    return this.repo.getSecret(SETTING_KEYS.refreshToken);
  }

  /** Stores a (new or rotated) refresh token, sealed. */
  async storeRefreshToken(token: string, connectedBy?: string | null): Promise<void> {
    await this.repo.setSecret(SETTING_KEYS.refreshToken, token, connectedBy ?? null);
    if (connectedBy !== undefined) {
      await this.repo.set(
        SETTING_KEYS.connection,
        { connectedAt: this.now().toISOString(), connectedBy } satisfies StoredConnection,
        connectedBy,
      );
    }
  }

  /**
   * NinjaOne refused the refresh token we presented: forget it and keep why, so the admin page and
   * the wallboard say "disconnected". A token stored meanwhile (a reconnection) is kept.
   */
  async connectionLost(presented: string, reason: string): Promise<void> {
    if ((await this.refreshToken()) !== presented) return;
    const before = await this.repo.get<StoredConnection>(SETTING_KEYS.connection);
    await this.repo.delete(SETTING_KEYS.refreshToken);
    await this.repo.set(
      SETTING_KEYS.connection,
      {
        connectedAt: before?.connectedAt ?? null,
        connectedBy: before?.connectedBy ?? null,
        lostAt: this.now().toISOString(),
        lostReason: reason,
      } satisfies StoredConnection,
      null,
    );
  }

  /** The connection NinjaOne dropped (refresh token refused) and nobody restored yet, or null. */
  async disconnection(): Promise<{ since: string; reason: string } | null> {
    const v = await this.view();
    if (v.authMode !== 'authorization_code' || !v.disconnectedAt || !v.disconnectedReason)
      return null;
    return { since: v.disconnectedAt, reason: v.disconnectedReason };
  }

  async forgetConnection(): Promise<void> {
    await this.repo.delete(SETTING_KEYS.refreshToken);
    await this.repo.delete(SETTING_KEYS.connection);
  }
}
