import { TokenPair, type User } from '@cwn/protocol';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError } from '../api/errors';
import { clearPwaDb } from '../offline/db';
import { clearAudio } from '../offline/audio-cache';
import { services } from '../services';

const TOKENS_KEY = 'cwn.session';
const SERVER_KEY = 'cwn.server';
/** Refresh this long before the access token expires, so requests never wait on a 401 round trip. */
export const REFRESH_MARGIN_MS = 60_000;
const OFFLINE_RETRY_MS = 30_000;

/** The server the app talks to: chosen at login, by default the origin that served the app. */
export function normaliseServerUrl(input: string): string {
  const url = new URL(input.trim());
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error('the server address must start with https://');
  return url.origin;
}

/**
 * Who is logged in, against which server. Tokens persist on the device so the app opens offline;
 * the access token is refreshed silently before it expires and after any 401.
 */
export const useSession = defineStore('session', () => {
  const storage = () => services().storage;
  const serverUrl = ref<string>(
    services().storage.getItem(SERVER_KEY) ?? globalThis.location?.origin ?? '',
  );
  const tokens = ref<TokenPair | null>(readTokens());
  const user = computed<User | null>(() => tokens.value?.user ?? null);
  const loggedIn = computed(() => tokens.value !== null);
  let refreshing: Promise<boolean> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function readTokens(): TokenPair | null {
    const raw = services().storage.getItem(TOKENS_KEY);
    const parsed = raw ? TokenPair.safeParse(JSON.parse(raw)) : null;
    return parsed?.success ? parsed.data : null;
  }

  function store(pair: TokenPair | null): void {
    tokens.value = pair;
    if (pair) storage().setItem(TOKENS_KEY, JSON.stringify(pair));
    else storage().removeItem(TOKENS_KEY);
    scheduleRefresh();
  }

  function scheduleRefresh(minDelayMs = 1000): void {
    clearTimeout(timer);
    if (!tokens.value) return;
    const due = Date.parse(tokens.value.accessTokenExpiresAt) - REFRESH_MARGIN_MS - Date.now();
    timer = setTimeout(() => void refresh(), Math.max(due, minDelayMs));
    // Under Node (the store tests) a pending refresh must not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
  }

  async function login(server: string, email: string, password: string): Promise<void> {
    serverUrl.value = normaliseServerUrl(server);
    storage().setItem(SERVER_KEY, serverUrl.value);
    store(await services().auth.login(email, password));
  }

  /** One refresh at a time; false (and logged out) when the server refuses the refresh token. */
  function refresh(): Promise<boolean> {
    const current = tokens.value;
    if (!current) return Promise.resolve(false);
    refreshing ??= services()
      .auth.refresh(current.refreshToken)
      .then((pair) => {
        store(pair);
        return true;
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
          store(null);
          return false;
        }
        // Offline: keep the session; try again later (or at the next request), not in a tight loop.
        scheduleRefresh(OFFLINE_RETRY_MS);
        return false;
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  /** Ends the session on the server when reachable, and removes everything it left on the device. */
  async function logout(): Promise<void> {
    const current = tokens.value;
    // While the token is still valid: this device stops getting the user's notifications (best
    // effort, bounded; loaded on demand, as the notifications switch is).
    if (current && globalThis.navigator && 'serviceWorker' in navigator) {
      await import('../push/device-push')
        .then((m) => m.forgetDevicePush(services().push))
        .catch(() => undefined);
    }
    store(null);
    await Promise.all([
      current
        ? services()
            .auth.logout(current.refreshToken)
            .catch(() => undefined)
        : undefined,
      clearPwaDb(services().db),
      clearAudio(),
    ]);
  }

  scheduleRefresh();
  return {
    serverUrl,
    tokens,
    user,
    loggedIn,
    login,
    refresh,
    logout,
    accessToken: () => tokens.value?.accessToken ?? null,
  };
});
