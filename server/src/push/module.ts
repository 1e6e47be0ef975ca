import type { Agent } from 'node:https';
import type { Sequelize } from 'sequelize';
import type { Config } from '../config';
import type { Models } from '../db/models';
import type { RouteTable } from '../http/routes';
import type { Logger } from '../logger';
import { PushSender } from './push-sender';
import { definePushSubscriptionModel, type PushSubscriptionModel } from './push-subscription.model';
import { PushSubscriptionsService } from './push-subscriptions.service';
import { registerPushRoutes } from './push.routes';

export interface PushModuleOptions {
  config: Config;
  sequelize: Sequelize;
  models: Models;
  logger: Logger;
  now: () => Date;
  /** HTTPS agent for the push services (tests trust their fake service's certificate with it). */
  agent?: Agent;
  /** Per-message timeout (default PUSH_TIMEOUT_MS). */
  timeoutMs?: number;
}

export interface PushModule {
  model: typeof PushSubscriptionModel;
  subscriptions: PushSubscriptionsService;
  /** Null when Web Push is not configured (no VAPID keys). */
  sender: PushSender | null;
  registerRoutes(routes: RouteTable): void;
  close(): Promise<void>;
}

/** Web Push "transcript ready" for the managers' app (issue 8): subscriptions, routes, sending. */
export function createPushModule(o: PushModuleOptions): PushModule {
  const model = definePushSubscriptionModel(o.sequelize);
  const subscriptions = new PushSubscriptionsService(o.sequelize, model, o.now);
  const sender = o.config.vapid
    ? new PushSender({
        vapid: o.config.vapid,
        models: o.models,
        subscriptions: model,
        logger: o.logger,
        now: o.now,
        ...(o.agent ? { agent: o.agent } : {}),
        ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
      })
    : null;
  return {
    model,
    subscriptions,
    sender,
    registerRoutes: (routes) => registerPushRoutes(routes, { vapid: o.config.vapid, subscriptions, allowedHosts: o.config.pushAllowedHosts }),
    close: async () => sender?.close(),
  };
}
