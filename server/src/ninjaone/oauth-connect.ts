import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { NinjaOneClient } from './client';
import { AUTHORIZATION_CODE_SCOPE } from './config';
import { NinjaOneError } from './errors';
import type { NinjaOneSettingsService } from './settings.service';

interface PendingConnect {
  userId: string;
  verifier: string;
  redirectUri: string;
  fingerprint: string;
}

const STATE_TTL_SECONDS = 600;

/**
 * The authorization-code connection: an admin starts it (state + PKCE S256 kept in Redis for
 * 10 minutes, single use, bound to that admin), NinjaOne sends the browser back to the callback
 * with a code, which is exchanged for tokens; the refresh token is stored sealed.
 */
export class NinjaOneConnectFlow {
  constructor(
    private readonly settings: NinjaOneSettingsService,
    private readonly client: NinjaOneClient,
    private readonly redis: Redis,
    private readonly prefix: string,
    /** After a successful connection (held ticket jobs are released). */
    private readonly onConnected: () => Promise<unknown> = async () => undefined,
  ) {}

  private key(state: string): string {
    return `${this.prefix}:ninjaone:oauth-state:${createHash('sha256').update(state).digest('hex')}`;
  }

  async start(userId: string): Promise<string> {
    const config = await this.settings.resolve();
    if (config.authMode !== 'authorization_code') {
      throw new NinjaOneError(
        'the NinjaOne auth mode is "client credentials": switch it to "authorization code" first',
        {
          kind: 'permanent',
          code: 'wrong_mode',
        },
      );
    }
    const state = randomBytes(24).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    const pending: PendingConnect = {
      userId,
      verifier,
      redirectUri: config.redirectUri,
      fingerprint: config.fingerprint,
    };
    await this.redis.set(this.key(state), JSON.stringify(pending), 'EX', STATE_TTL_SECONDS);
    const url = new URL(`${config.baseUrl}/ws/oauth/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: config.clientId,
      redirect_uri: config.redirectUri,
      scope: AUTHORIZATION_CODE_SCOPE,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  }

  /** Consumes the state (whatever happens next) and returns who started the flow, or null. */
  async takeState(state: string): Promise<PendingConnect | null> {
    const raw = await this.redis.getdel(this.key(state));
    return raw ? (JSON.parse(raw) as PendingConnect) : null;
  }

  async finish(pending: PendingConnect, code: string): Promise<void> {
    const config = await this.settings.resolve();
    if (config.fingerprint !== pending.fingerprint || config.authMode !== 'authorization_code') {
      throw new NinjaOneError('the NinjaOne settings changed during the connection: start again', {
        kind: 'permanent',
        code: 'settings_changed',
      });
    }
    const body = await this.client.tokenRequest(config, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: pending.redirectUri,
      client_id: config.clientId,
      client_secret: config.clientSecret,
      code_verifier: pending.verifier,
    });
    if (!body.refresh_token) {
      throw new NinjaOneError(
        'NinjaOne gave no refresh token: enable the "refresh token" grant and the offline_access scope on the client app',
        { kind: 'permanent', code: 'no_refresh_token' },
      );
    }
    await this.settings.storeRefreshToken(body.refresh_token, pending.userId);
    this.client.remember(config, body);
    await this.onConnected();
  }
}
