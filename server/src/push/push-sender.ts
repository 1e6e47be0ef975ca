import type { Agent } from 'node:https';
import { Op } from 'sequelize';
import { sendNotification, WebPushError } from 'web-push';
import type { PushPayload } from '@cwn/protocol';
import type { Models } from '../db/models';
import type { Logger } from '../logger';
import type { PushSubscriptionModel } from './push-subscription.model';
import type { VapidConfig } from './vapid';

/** Roles that see every call (as for the Socket.IO events): they get every "transcript ready". */
const WATCHERS = ['supervisor', 'manager', 'admin'] as const;
/** A push service keeps an undelivered message this long (the phone may be off for the night). */
export const PUSH_TTL_SECONDS = 86_400;
/** A push service that does not answer within this is given up on (the next event tries again). */
export const PUSH_TIMEOUT_MS = 10_000;
/** Subscriptions sent to at once. */
const PARALLEL = 8;

export interface PushSenderOptions {
  vapid: VapidConfig;
  models: Pick<Models, 'User' | 'Call'>;
  subscriptions: typeof PushSubscriptionModel;
  logger: Logger;
  now?: () => Date;
  /** HTTPS agent for the push services (tests: one that trusts their fake service's certificate). */
  agent?: Agent;
  timeoutMs?: number;
}

export interface PushReport {
  sent: number;
  /** Subscriptions the push service said are gone (404/410): deleted. */
  removed: number;
  failed: number;
}

/** The push service's origin: what may be logged of an endpoint (its path is a capability). */
function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return '(invalid endpoint)';
  }
}

/**
 * Sends "transcript ready" Web Push messages to the devices of everyone who may see the call: its
 * agent and every active supervisor, manager and admin. It runs beside the request and job paths:
 * `transcriptReady` returns at once, and nothing it does (a slow, unreachable or failing push
 * service included) can delay or fail the transcript's storage or its Socket.IO event.
 */
export class PushSender {
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly o: PushSenderOptions) {}

  /** Fire and forget; errors are logged. */
  transcriptReady(agentId: string, callId: string): void {
    if (this.closed) return;
    const p = this.sendTranscriptReady(agentId, callId)
      .catch((err: unknown) =>
        this.o.logger.error(
          { err: err instanceof Error ? err.message : String(err), callId },
          'push: sending failed',
        ),
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Sends to every subscription of the call's audience and waits for the push services' answers. */
  async sendTranscriptReady(agentId: string, callId: string): Promise<PushReport> {
    const report: PushReport = { sent: 0, removed: 0, failed: 0 };
    const call = await this.o.models.Call.findByPk(callId, {
      attributes: ['id', 'direction', 'remoteName', 'remoteNumber'],
    });
    if (!call) return report;
    const users = await this.o.models.User.findAll({
      attributes: ['id'],
      where: { active: true, [Op.or]: [{ id: agentId }, { role: [...WATCHERS] }] },
    });
    if (!users.length) return report;
    const subscriptions = await this.o.subscriptions.findAll({
      where: { userId: users.map((u) => u.id) },
    });
    const payload: PushPayload = {
      type: 'transcript.ready',
      callId: call.id,
      direction: call.direction,
      caller: { name: call.remoteName, number: call.remoteNumber },
      url: `/calls/${call.id}`,
    };
    const body = JSON.stringify(payload);
    for (let i = 0; i < subscriptions.length; i += PARALLEL) {
      const outcomes = await Promise.all(
        subscriptions.slice(i, i + PARALLEL).map((s) => this.sendOne(s, body, call.id)),
      );
      for (const o of outcomes) report[o] += 1;
    }
    if (subscriptions.length)
      this.o.logger.debug({ callId, ...report }, 'push: transcript ready sent');
    return report;
  }

  private async sendOne(
    s: PushSubscriptionModel,
    body: string,
    callId: string,
  ): Promise<keyof PushReport> {
    const now = this.o.now ?? (() => new Date());
    try {
      await sendNotification(
        { endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } },
        body,
        {
          vapidDetails: this.o.vapid,
          TTL: PUSH_TTL_SECONDS,
          timeout: this.o.timeoutMs ?? PUSH_TIMEOUT_MS,
          urgency: 'normal',
          // A newer message for the same call replaces one still waiting in the push service.
          topic: callId.replace(/-/g, ''),
          contentEncoding: 'aes128gcm',
          ...(this.o.agent ? { agent: this.o.agent } : {}),
        },
      );
      await this.o.subscriptions.update(
        { lastSuccessAt: now(), failureCount: 0 },
        { where: { id: s.id } },
      );
      return 'sent';
    } catch (err) {
      const status = err instanceof WebPushError ? err.statusCode : null;
      // Never the endpoint (nor the error object, which carries it): the origin and the status.
      const where = {
        subscriptionId: s.id,
        userId: s.userId,
        pushService: originOf(s.endpoint),
        status,
      };
      if (status === 404 || status === 410) {
        await this.o.subscriptions.destroy({ where: { id: s.id } });
        this.o.logger.info(where, 'push: subscription expired at the push service; deleted');
        return 'removed';
      }
      await this.o.subscriptions.increment('failureCount', { where: { id: s.id } });
      this.o.logger.warn(
        {
          ...where,
          reason:
            err instanceof Error
              ? err.message.replace(s.endpoint, originOf(s.endpoint))
              : String(err),
        },
        'push: the push service did not accept the message',
      );
      return 'failed';
    }
  }

  /** Waits for the messages being sent (they are short: each has a timeout). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}
