/**
 * The agent's session with our server: login, access-token refresh a minute before expiry, logout.
 * Tokens live in browser.storage.local (never logged); logout clears them even when the server is down.
 */
import { ApiError, TokenPair } from '@cwn/protocol';
import { serverClient } from '../shared/api-client';
import { TOKENS_KEY, loadSettings } from '../shared/settings';
import { browser } from '../shared/browser';

const REFRESH_MARGIN_MS = 60_000;

export class NotLoggedInError extends Error {
  constructor() {
    super('not logged in: open the extension options and log in');
  }
}

async function loadTokens(): Promise<TokenPair | null> {
  const parsed = TokenPair.safeParse((await browser.storage.local.get(TOKENS_KEY))[TOKENS_KEY]);
  return parsed.success ? parsed.data : null;
}

async function serverUrl(): Promise<string> {
  const { serverUrl } = await loadSettings();
  if (!serverUrl) throw new Error('no server URL: set it in the extension options');
  return serverUrl.replace(/\/+$/, '');
}

/** The server's message for a refusal, `HTTP <status>` when it gave none. */
function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.code === 'unknown' ? `HTTP ${err.status}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

export async function login(email: string, password: string): Promise<TokenPair> {
  const api = await serverClient(serverUrl);
  let pair: TokenPair;
  try {
    pair = await api.login({ body: { email, password } });
  } catch (err) {
    throw new Error(`login failed: ${errorText(err)}`);
  }
  await browser.storage.local.set({ [TOKENS_KEY]: pair });
  return pair;
}

export async function logout(): Promise<void> {
  const pair = await loadTokens();
  await browser.storage.local.remove(TOKENS_KEY);
  if (!pair) return;
  try {
    const api = await serverClient(serverUrl);
    await api.logout({ body: { refreshToken: pair.refreshToken } });
  } catch {
    // The local tokens are gone; the refresh token expires on the server by itself.
  }
}

let refreshing: Promise<TokenPair | null> | null = null;

async function refresh(pair: TokenPair): Promise<TokenPair | null> {
  const api = await serverClient(serverUrl);
  let next: TokenPair;
  try {
    next = await api.refresh({ body: { refreshToken: pair.refreshToken } });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      await browser.storage.local.remove(TOKENS_KEY);
      return null;
    }
    if (err instanceof ApiError) throw new Error(`token refresh failed: ${errorText(err)}`);
    throw err;
  }
  await browser.storage.local.set({ [TOKENS_KEY]: next });
  return next;
}

/** A valid access token, refreshed when it is about to expire. */
export async function accessToken(now = Date.now()): Promise<string> {
  let pair = await loadTokens();
  if (!pair) throw new NotLoggedInError();
  if (Date.parse(pair.accessTokenExpiresAt) - now < REFRESH_MARGIN_MS) {
    refreshing ??= refresh(pair).finally(() => (refreshing = null));
    pair = await refreshing;
    if (!pair) throw new NotLoggedInError();
  }
  return pair.accessToken;
}

export async function currentUser(): Promise<TokenPair['user'] | null> {
  return (await loadTokens())?.user ?? null;
}
