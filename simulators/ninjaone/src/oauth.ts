/**
 * OAuth2 as NinjaOne documents it: `POST /ws/oauth/token` (alias `/oauth/token`) and
 * `GET /ws/oauth/authorize` (auto-approve).
 */
import { createHash, randomUUID } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { reply, replyRaw } from './http';
import type { SimState } from './state';
import { incidentId, randomToken } from './state';
import { ALL_SCOPES, type Scope, type SimClientApp } from './types';

function oauthError(res: Response, status: number, error: string, description?: string): void {
  reply(res, status, description ? { error, error_description: description } : { error });
}

/** Space-separated scope string → scopes; null when a name is not a NinjaOne scope. */
function parseScopes(raw: unknown): Scope[] | null {
  if (typeof raw !== 'string') return null;
  const names = raw.split(/[\s+]+/).filter(Boolean);
  if (!names.every((n) => (ALL_SCOPES as readonly string[]).includes(n))) return null;
  return [...new Set(names as Scope[])];
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function tokenResponse(
  res: Response,
  access: { token: string; scopes: Scope[] },
  ttl: number,
  refresh?: string,
): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  const body: Record<string, unknown> = {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: ttl,
    scope: access.scopes.join(' '),
  };
  if (refresh) body.refresh_token = refresh;
  reply(res, 200, body);
}

export function oauthRouter(state: SimState): express.Router {
  const r = express.Router();

  const token = (req: Request, res: Response): void => {
    if (!req.is('application/x-www-form-urlencoded')) {
      return oauthError(
        res,
        400,
        'invalid_request',
        'Content-Type must be application/x-www-form-urlencoded',
      );
    }
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    let clientId = body.client_id;
    let clientSecret = body.client_secret;
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (basic && state.config.acceptBasicClientAuth && !clientId) {
      const [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent(id ?? '');
      clientSecret = decodeURIComponent(secret ?? '');
    }
    if (!clientId) return oauthError(res, 400, 'invalid_request', 'client_id is required');
    const app = state.client(clientId);
    if (!app)
      return reply(res, 404, { resultCode: 'Client app not exist', incidentId: incidentId() });
    if (clientSecret !== app.clientSecret)
      return reply(res, state.config.badClientSecret.status, state.config.badClientSecret.body);

    const grant = body.grant_type;
    if (!grant) return oauthError(res, 400, 'invalid_request', 'grant_type is required');
    if (!['client_credentials', 'authorization_code', 'refresh_token'].includes(grant)) {
      return oauthError(res, 400, 'unsupported_grant_type');
    }
    if (!app.grantTypes.includes(grant as SimClientApp['grantTypes'][number]))
      return oauthError(res, 400, 'unauthorized_client');

    const ttl = state.config.accessTokenTtlSeconds;
    if (grant === 'client_credentials') {
      let scopes: Scope[];
      if (body.scope === undefined || body.scope.trim() === '') {
        scopes = app.scopes.filter((s) => s !== 'offline_access');
      } else {
        const asked = parseScopes(body.scope);
        if (
          !asked ||
          asked.some((s) => !app.scopes.includes(s)) ||
          asked.includes('offline_access')
        ) {
          return oauthError(res, 400, 'invalid_scope');
        }
        scopes = asked;
      }
      const at = state.issueAccessToken(app.clientId, 'client_credentials', scopes, null);
      return tokenResponse(res, at, ttl);
    }

    if (grant === 'authorization_code') {
      const code = body.code ? state.authCodes.get(body.code) : undefined;
      if (!code || code.clientId !== app.clientId || code.used || code.expiresAt <= state.now()) {
        return oauthError(res, 400, 'invalid_grant', 'Invalid authorization code');
      }
      if (body.redirect_uri !== code.redirectUri)
        return oauthError(res, 400, 'invalid_grant', 'redirect_uri mismatch');
      if (code.codeChallenge) {
        if (!body.code_verifier || s256(body.code_verifier) !== code.codeChallenge) {
          return oauthError(res, 400, 'invalid_grant', 'PKCE verification failed');
        }
      }
      code.used = true;
      const at = state.issueAccessToken(app.clientId, 'user', code.scopes, code.technicianId);
      const wantsRefresh =
        code.scopes.includes('offline_access') && app.grantTypes.includes('refresh_token');
      const rt = wantsRefresh
        ? state.issueRefreshToken(app.clientId, code.scopes, code.technicianId, state.now())
        : undefined;
      return tokenResponse(res, at, ttl, rt?.token);
    }

    // refresh_token
    const rt = body.refresh_token ? state.refreshTokens.get(body.refresh_token) : undefined;
    if (
      !rt ||
      rt.clientId !== app.clientId ||
      rt.revoked ||
      rt.consentAt + state.config.refreshTokenMaxAgeSeconds <= state.now()
    ) {
      return oauthError(res, 400, 'invalid_grant', 'Invalid refresh token');
    }
    if (state.config.refreshTokensRevoked) {
      rt.revoked = true;
      return oauthError(res, 400, 'invalid_grant', 'Refresh token revoked');
    }
    let scopes = rt.scopes;
    if (body.scope !== undefined && body.scope.trim() !== '') {
      const asked = parseScopes(body.scope);
      if (!asked || asked.some((s) => !rt.scopes.includes(s)))
        return oauthError(res, 400, 'invalid_scope');
      scopes = asked;
    }
    const at = state.issueAccessToken(app.clientId, 'user', scopes, rt.technicianId);
    let newRefresh: string | undefined;
    switch (state.config.refreshTokenRotation) {
      case 'rotate': {
        rt.revoked = true;
        newRefresh = state.issueRefreshToken(
          app.clientId,
          rt.scopes,
          rt.technicianId,
          rt.consentAt,
        ).token;
        break;
      }
      case 'same':
        newRefresh = rt.token;
        break;
      case 'omit':
        newRefresh = undefined;
        break;
    }
    return tokenResponse(res, at, ttl, newRefresh);
  };

  r.post('/ws/oauth/token', token);
  r.post('/oauth/token', token);

  r.get('/ws/oauth/authorize', (req: Request, res: Response) => {
    const q = req.query as Record<string, string | undefined>;
    const base = `${req.protocol}://${req.get('host')}`;
    const errorPage = (error: string, description: string): void =>
      res.redirect(
        302,
        `${base}/ws/oauth/error?${new URLSearchParams({ error, error_description: description }).toString()}`,
      );
    const app = q.client_id ? state.client(q.client_id) : undefined;
    if (!app) return errorPage('invalid_client', 'Client app not exist');
    if (!q.redirect_uri || !app.redirectUris.includes(q.redirect_uri))
      return errorPage('unauthorized_client', 'Invalid redirect_uri');

    const back = (params: Record<string, string>): void => {
      const url = new URL(q.redirect_uri!);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      if (q.state !== undefined) url.searchParams.set('state', q.state);
      res.redirect(302, url.toString());
    };
    if (q.response_type !== 'code') return back({ error: 'unsupported_response_type' });
    if (!app.grantTypes.includes('authorization_code'))
      return back({ error: 'unauthorized_client' });
    let scopes: Scope[] = app.scopes;
    if (q.scope !== undefined && q.scope.trim() !== '') {
      const asked = parseScopes(q.scope);
      if (!asked || asked.some((s) => !app.scopes.includes(s)))
        return back({ error: 'invalid_scope' });
      scopes = asked;
    }
    let challenge: string | null = null;
    if (q.code_challenge !== undefined) {
      if ((q.code_challenge_method ?? 'plain') !== 'S256') {
        return back({
          error: 'invalid_request',
          error_description: 'code_challenge_method must be S256',
        });
      }
      challenge = q.code_challenge;
    }
    if (state.config.authorizeDecision === 'deny') return back({ error: 'access_denied' });
    const code = randomToken(24);
    state.authCodes.set(code, {
      code,
      clientId: app.clientId,
      redirectUri: q.redirect_uri,
      scopes,
      technicianId: app.consentTechnicianId ?? state.data.technicians[0]?.id ?? null,
      codeChallenge: challenge,
      expiresAt: state.now() + state.config.authCodeTtlSeconds,
      used: false,
    });
    back({ code });
  });

  r.get('/ws/oauth/error', (req: Request, res: Response) => {
    const q = req.query as Record<string, string | undefined>;
    const esc = (s: string | undefined): string =>
      (s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    replyRaw(
      res,
      200,
      'text/html',
      `<!doctype html><html><head><title>NinjaOne</title></head><body><h1>Authorization error</h1><p id="error">${esc(q.error)}</p><p id="error_description">${esc(q.error_description)}</p><p>ref ${randomUUID()}</p></body></html>`,
    );
  });

  return r;
}
