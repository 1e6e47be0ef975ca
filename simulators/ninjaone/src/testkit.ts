/**
 * Helpers for tests that talk to the simulator over real HTTP (this package's tests, and the
 * product's end-to-end tests): start on a random port, get tokens through the real OAuth flows.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createNinjaOneSim, type NinjaOneSim, type NinjaOneSimOptions } from './sim';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REDIRECT_URIS } from './fixtures';

export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

export interface StartedSim {
  sim: NinjaOneSim;
  url: string;
  close(): Promise<void>;
  /** POST a form to the token endpoint; returns status and parsed JSON. */
  tokenRequest(
    form: Record<string, string>,
    path?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  clientCredentials(opts?: {
    clientId?: string;
    clientSecret?: string;
    scope?: string;
  }): Promise<TokenBody>;
  /** The whole code flow: authorize (auto-approved), then exchange the code. */
  authorizationCode(opts?: {
    clientId?: string;
    clientSecret?: string;
    scope?: string;
    redirectUri?: string;
    pkce?: boolean;
  }): Promise<TokenBody>;
  /** fetch against the simulator with a bearer token and JSON body handling. */
  api(
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; headers: Headers; body: unknown; text: string }>;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function startNinjaOneSim(options: NinjaOneSimOptions = {}): Promise<StartedSim> {
  const sim = createNinjaOneSim(options);
  const running = await sim.listen(0, '127.0.0.1');
  const url = running.url;

  const tokenRequest: StartedSim['tokenRequest'] = async (form, path = '/ws/oauth/token') => {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  const ok = (r: { status: number; body: Record<string, unknown> }): TokenBody => {
    if (r.status !== 200)
      throw new Error(`token request failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as unknown as TokenBody;
  };

  return {
    sim,
    url,
    close: running.close,
    tokenRequest,
    clientCredentials: async (o = {}) => {
      const form: Record<string, string> = {
        grant_type: 'client_credentials',
        client_id: o.clientId ?? DEMO_CLIENT_ID,
        client_secret: o.clientSecret ?? DEMO_CLIENT_SECRET,
      };
      if (o.scope !== undefined) form.scope = o.scope;
      return ok(await tokenRequest(form));
    },
    authorizationCode: async (o = {}) => {
      const redirectUri = o.redirectUri ?? DEMO_REDIRECT_URIS[0]!;
      const q = new URLSearchParams({
        response_type: 'code',
        client_id: o.clientId ?? DEMO_CLIENT_ID,
        redirect_uri: redirectUri,
        scope: o.scope ?? 'monitoring management offline_access',
        state: 'st-1',
      });
      const pair = o.pkce ? pkcePair() : null;
      if (pair) {
        q.set('code_challenge', pair.challenge);
        q.set('code_challenge_method', 'S256');
      }
      const res = await fetch(`${url}/ws/oauth/authorize?${q.toString()}`, { redirect: 'manual' });
      const location = new URL(res.headers.get('location') ?? '');
      const code = location.searchParams.get('code');
      if (res.status !== 302 || !code)
        throw new Error(`authorize failed: ${res.status} ${location.toString()}`);
      const form: Record<string, string> = {
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: o.clientId ?? DEMO_CLIENT_ID,
        client_secret: o.clientSecret ?? DEMO_CLIENT_SECRET,
      };
      if (pair) form.code_verifier = pair.verifier;
      return ok(await tokenRequest(form));
    },
    api: async (token, method, path, body) => {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      let payload: string | undefined;
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(body);
      }
      const res = await fetch(url + path, { method, headers, body: payload });
      const text = await res.text();
      let parsed: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('json') && text)
        parsed = JSON.parse(text);
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
  };
}
