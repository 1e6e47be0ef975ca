import { z } from 'zod';
import { PushUnsubscribeRequest } from '@cwn/protocol';
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
  routes.handle('getVapidPublicKey', () => {
    if (!deps.vapid) throw disabled();
    return { publicKey: deps.vapid.publicKey };
  });

  routes.handle('subscribePush', async ({ req, res, body, user }) => {
    if (!deps.vapid) throw disabled();
    if (!pushEndpointAllowed(body.endpoint, deps.allowedHosts)) {
      const message = `body.endpoint: ${new URL(body.endpoint).hostname} is not a known push service (PUSH_ALLOWED_HOSTS)`;
      throw new HttpError(400, 'validation_failed', message, [{ path: 'body.endpoint', message }]);
    }
    const outcome = await deps.subscriptions.subscribe(
      user!.id,
      body,
      req.get('user-agent') ?? null,
    );
    res.status(outcome.created ? 201 : 200).json(outcome.subscription);
  });

  routes.handle('unsubscribePush', async ({ req, user }) => {
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
  });
}
