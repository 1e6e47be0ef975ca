import { z } from 'zod';
import { PushSubscriptionBody, PushSubscriptionInfo, VapidPublicKey } from '../push';
import { route } from './route';

export const pushRoutes = {
  getVapidPublicKey: route({
    method: 'get',
    path: '/api/push/vapid-public-key',
    summary: 'The key browsers subscribe to Web Push with (404 push_disabled when not configured)',
    tags: ['push'],
    response: VapidPublicKey,
  }),
  subscribePush: route({
    method: 'post',
    path: '/api/push/subscriptions',
    summary:
      "Subscribe this device to 'transcript ready' notifications (201 new, 200 known endpoint)",
    tags: ['push'],
    body: PushSubscriptionBody,
    response: PushSubscriptionInfo,
    status: 201,
  }),
  unsubscribePush: route({
    method: 'delete',
    path: '/api/push/subscriptions',
    summary: "Unsubscribe one of the caller's own devices (endpoint in a JSON body or ?endpoint=)",
    tags: ['push'],
    query: z.object({ endpoint: z.string().optional() }),
    status: 204,
  }),
};
