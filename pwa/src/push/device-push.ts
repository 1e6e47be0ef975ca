import { PushSubscriptionBody } from '@cwn/protocol';
import { ApiError } from '../api/errors';
import type { PushApi } from '../api/push';

/**
 * Longest wait for the browser's push service; past it the device counts as without push. (Where
 * there is none, as in headless Chromium, `subscribe()` never settles.)
 */
const SUBSCRIBE_TIMEOUT_MS = 10_000;

export type PushState =
  /** No switch: the browser has no Web Push, or the server has no VAPID keys. */
  | 'hidden'
  | 'off'
  | 'on'
  /** The user (or a policy) blocked notifications for this app. */
  | 'denied'
  /** The browser could not reach its push service (no Google services, headless, network filter). */
  | 'unavailable';

export function browserHasPush(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    'serviceWorker' in navigator &&
    typeof PushManager !== 'undefined' &&
    typeof Notification !== 'undefined'
  );
}

/** base64url → the bytes `applicationServerKey` wants. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i += 1) out[i] = raw.charCodeAt(i);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The registration when a service worker is installed; never waits for one that is not coming. */
async function registration(): Promise<ServiceWorkerRegistration | null> {
  return (await navigator.serviceWorker.getRegistration()) ?? null;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the push service did not answer')), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

/**
 * This device's "transcript ready" notifications: whether the switch shows and where it stands,
 * turning them on (permission → browser subscription → server) and off (both sides).
 */
export class DevicePush {
  private publicKey: string | null = null;

  constructor(private readonly api: PushApi) {}

  /** Where the switch starts: hidden without browser support or server keys. */
  async state(): Promise<PushState> {
    if (!browserHasPush()) return 'hidden';
    try {
      this.publicKey = (await this.api.vapidPublicKey()).publicKey;
    } catch {
      // push_disabled, an older server, or offline: no switch (nothing else changes).
      return 'hidden';
    }
    if (Notification.permission === 'denied') return 'denied';
    const sub = await (await registration())?.pushManager.getSubscription();
    if (!sub || Notification.permission !== 'granted') return 'off';
    // Made with another server key (the VAPID keys were rotated): it can never work again.
    const key = sub.options.applicationServerKey;
    if (key && !sameBytes(new Uint8Array(key), keyBytes(this.publicKey))) {
      await sub.unsubscribe().catch(() => undefined);
      return 'off';
    }
    // The server may have dropped it (its push service answered 410 once): tell it again (upsert).
    const body = PushSubscriptionBody.safeParse(sub.toJSON());
    if (body.success) await this.api.subscribe(body.data).catch(() => undefined);
    return 'on';
  }

  async enable(): Promise<PushState> {
    if (!this.publicKey) this.publicKey = (await this.api.vapidPublicKey()).publicKey;
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') return permission === 'denied' ? 'denied' : 'off';
    const reg = await registration();
    if (!reg) return 'unavailable';
    let sub: PushSubscription;
    try {
      const existing = await reg.pushManager.getSubscription();
      sub =
        existing ??
        (await withTimeout(
          reg.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(this.publicKey),
          }),
          SUBSCRIBE_TIMEOUT_MS,
        ));
    } catch (err) {
      console.info('push: this device cannot subscribe', err);
      return 'unavailable';
    }
    const body = PushSubscriptionBody.safeParse(sub.toJSON());
    if (!body.success) {
      await sub.unsubscribe().catch(() => undefined);
      return 'unavailable';
    }
    await this.api.subscribe(body.data);
    return 'on';
  }

  /** Off on both sides; the server's copy is removed first (the endpoint is needed for that). */
  async disable(): Promise<PushState> {
    const sub = await (await registration())?.pushManager.getSubscription();
    if (sub) {
      await this.api.unsubscribe(sub.endpoint).catch((err: unknown) => {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      });
      await sub.unsubscribe();
    }
    return 'off';
  }
}

/**
 * At logout, before the tokens go: this device stops receiving the user's notifications. Best
 * effort and bounded (offline, the browser side is still dropped; the server deletes the rest when
 * the push service reports the endpoint gone).
 */
export async function forgetDevicePush(api: PushApi, timeoutMs = 3_000): Promise<void> {
  if (!browserHasPush()) return;
  const sub = await (await registration())?.pushManager.getSubscription().catch(() => null);
  if (!sub) return;
  await withTimeout(api.unsubscribe(sub.endpoint), timeoutMs).catch(() => undefined);
  await sub.unsubscribe().catch(() => undefined);
}
