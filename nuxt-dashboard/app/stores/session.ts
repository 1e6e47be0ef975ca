import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { TokenPair, type User } from '@cwn/protocol';
import { ApiError } from '~/utils/api-error';
import { createDashboardClient } from '~/utils/api-url';

const STORAGE_KEY = 'cwn.session';
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

/**
 * The logged-in user's tokens, kept in localStorage so a reload stays signed in. The access token
 * is refreshed silently before it expires (and on a 401 token_expired); one refresh at a time,
 * since refresh tokens rotate and a reused one ends the whole session family.
 */
export const useSessionStore = defineStore('session', () => {
  const pair = ref<TokenPair | null>(load());
  let refreshing: Promise<boolean> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // login, refresh and logout carry no access token (the client sends them anonymous).
  const api = createDashboardClient();

  const user = computed<User | null>(() => pair.value?.user ?? null);
  const accessToken = computed(() => pair.value?.accessToken ?? null);

  function save(next: TokenPair | null) {
    pair.value = next;
    if (next) localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    else localStorage.removeItem(STORAGE_KEY);
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    if (!pair.value) return;
    const due = Date.parse(pair.value.accessTokenExpiresAt) - Date.now() - REFRESH_MARGIN_MS;
    timer = setTimeout(() => void refresh(), Math.max(due, 1_000));
  }

  async function login(email: string, password: string): Promise<User> {
    const next = await api.login({ body: { email, password } });
    save(next);
    return next.user;
  }

  /** Gets a new token pair; false (and signed out) when the refresh token is no longer valid. */
  function refresh(): Promise<boolean> {
    refreshing ??= (async () => {
      const refreshToken = pair.value?.refreshToken;
      if (!refreshToken) return false;
      try {
        save(await api.refresh({ body: { refreshToken } }));
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
          save(null);
          return false;
        }
        // Server unreachable: keep the session and try again shortly.
        clearTimeout(timer);
        timer = setTimeout(() => void refresh(), 5_000);
        return false;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  async function logout() {
    const refreshToken = pair.value?.refreshToken;
    save(null);
    if (refreshToken) {
      await api.logout({ body: { refreshToken } }).catch(() => undefined);
    }
  }

  schedule();
  return { user, accessToken, login, refresh, logout };
});

function load(): TokenPair | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    const parsed = raw ? TokenPair.safeParse(JSON.parse(raw)) : null;
    return parsed?.success ? parsed.data : null;
  } catch {
    return null;
  }
}
