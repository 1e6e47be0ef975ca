import type { Agent } from 'node:https';
import type { ModuleDeps } from '../module-deps';
import { PushSender } from './push-sender';
import { definePushSubscriptionModel, type PushSubscriptionModel } from './push-subscription.model';
import { PushSubscriptionsService } from './push-subscriptions.service';
import { registerPushRoutes } from './push.routes';

export interface PushModuleOptions extends ModuleDeps {
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
  close(): Promise<void>;
}

/** Web Push "transcript ready" for the managers' app: subscriptions, routes, sending. */
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
  registerPushRoutes(o.routes, {
    vapid: o.config.vapid,
    subscriptions,
    allowedHosts: o.config.pushAllowedHosts,
  });
  // Once cluster-wide: the replica that stored the transcript publishes it.
  if (sender) {
    o.fanOut.on('transcript.ready', (event, subject) => {
      if (subject.agentId) sender.transcriptReady(subject.agentId, event.callId);
    });
  }
  return {
    model,
    subscriptions,
    sender,
    close: async () => sender?.close(),
  };
}
