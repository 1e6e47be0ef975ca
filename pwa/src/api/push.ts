import { PushSubscriptionInfo, VapidPublicKey, type PushSubscriptionBody } from '@cwn/protocol';
import type { HttpClient } from './http';

export const pushApi = (http: HttpClient) => ({
  /** The server's VAPID key; ApiError `push_disabled` (404) when the server has none. */
  vapidPublicKey: () => http.json(VapidPublicKey, '/api/push/vapid-public-key'),
  subscribe: (body: PushSubscriptionBody) =>
    http.json(PushSubscriptionInfo, '/api/push/subscriptions', { method: 'POST', body }),
  unsubscribe: (endpoint: string) =>
    http.raw('/api/push/subscriptions', { method: 'DELETE', body: { endpoint } }),
});
export type PushApi = ReturnType<typeof pushApi>;
