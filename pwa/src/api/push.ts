import type { PushSubscriptionBody } from '@cwn/protocol';
import type { ApiClient } from './http';

export const pushApi = (api: ApiClient) => ({
  /** The server's VAPID key; ApiError `push_disabled` (404) when the server has none. */
  vapidPublicKey: () => api.getVapidPublicKey(),
  subscribe: (body: PushSubscriptionBody) => api.subscribePush({ body }),
  unsubscribe: (endpoint: string) => api.unsubscribePush({ query: { endpoint } }),
});
export type PushApi = ReturnType<typeof pushApi>;
