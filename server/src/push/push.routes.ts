import { z } from 'zod';
import {
  PushSubscriptionBody,
  PushSubscriptionInfo,
  PushUnsubscribeRequest,
  VapidPublicKey,
} from '@cwn/protocol';
import { HttpError } from '../http/errors';
import type { RouteTable } from '../http/routes';
import { pushEndpointAllowed } from './endpoint-hosts';
import type { PushSubscriptionsService } from './push-subscriptions.service';
import type { VapidConfig } from './vapid';

const disabled = () =>
  new HttpError(
    404,
    'push_disabled',
    'push notifications are not configured on this server (VAPID keys)',
  );

function validation(error: z.ZodError): HttpError {
  const details = error.issues.map((i) => ({
    path: ['body', ...i.path].join('.'),
    message: i.message,
  }));
  return new HttpError(
    400,
    'validation_failed',
    `${details[0]!.path}: ${details[0]!.message}`,
    details,
  );
}

export function registerPushRoutes(
  routes: RouteTable,
  deps: {
    vapid: VapidConfig | null;
    subscriptions: PushSubscriptionsService;
    allowedHosts: readonly string[];
  },
): void {
  routes.add(
    {
      method: 'get',
      path: '/api/push/vapid-public-key',
      summary:
        'The key browsers subscribe to Web Push with (404 push_disabled when not configured)',
      tags: ['push'],
      response: VapidPublicKey,
    },
    () => {
      if (!deps.vapid) throw disabled();
      return { publicKey: deps.vapid.publicKey };
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/push/subscriptions',
      summary:
        "Subscribe this device to 'transcript ready' notifications (201 new, 200 known endpoint)",
      tags: ['push'],
      body: PushSubscriptionBody,
      response: PushSubscriptionInfo,
      status: 201,
    },
    async ({ req, res, body, user }) => {
      if (!deps.vapid) throw disabled();
      if (!pushEndpointAllowed(body.endpoint, deps.allowedHosts)) {
        const message = `body.endpoint: ${new URL(body.endpoint).hostname} is not a known push service (PUSH_ALLOWED_HOSTS)`;
        throw new HttpError(400, 'validation_failed', message, [
          { path: 'body.endpoint', message },
        ]);
      }
      const outcome = await deps.subscriptions.subscribe(
        user!.id,
        body,
        req.get('user-agent') ?? null,
      );
      res.status(outcome.created ? 201 : 200).json(outcome.subscription);
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/push/subscriptions',
      summary:
        "Unsubscribe one of the caller's own devices (endpoint in a JSON body or ?endpoint=)",
      tags: ['push'],
      query: z.object({ endpoint: z.string().optional() }),
      status: 204,
    },
    async ({ req, user }) => {
      const source: unknown =
        (req.body as { endpoint?: unknown } | undefined)?.endpoint !== undefined
          ? req.body
          : req.query;
      const parsed = PushUnsubscribeRequest.safeParse(source);
      if (!parsed.success) throw validation(parsed.error);
      // Someone else's endpoint answers exactly like an unknown one: nothing is revealed.
      if (!(await deps.subscriptions.unsubscribe(user!.id, parsed.data.endpoint))) {
        throw HttpError.notFound('no push subscription of yours has this endpoint');
      }
    },
  );
}
