import { QueryTypes, type Sequelize } from 'sequelize';
import type { PushSubscriptionBody, PushSubscriptionInfo } from '@cwn/protocol';
import type { PushSubscriptionModel } from './push-subscription.model';

export interface SubscribeOutcome {
  created: boolean;
  subscription: PushSubscriptionInfo;
}

/** A user's devices beyond this many (least recently subscribed first) are dropped. */
export const MAX_DEVICES_PER_USER = 20;

/** Stores the browsers' push subscriptions: one row per endpoint, owned by whoever subscribed last. */
export class PushSubscriptionsService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly model: typeof PushSubscriptionModel,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Insert or update by endpoint, in one statement (two tabs subscribing at once cannot collide).
   * A device that changes hands (another user logs in on the same browser) moves to its new owner,
   * with fresh keys and a clean failure record.
   */
  async subscribe(
    userId: string,
    body: PushSubscriptionBody,
    userAgent: string | null,
  ): Promise<SubscribeOutcome> {
    const at = this.now();
    const [row] = await this.sequelize.query<{ created_at: Date; inserted: boolean }>(
      `INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, user_agent, failure_count, created_at, updated_at)
       VALUES (gen_random_uuid(), :userId, :endpoint, :p256dh, :auth, :userAgent, 0, :at, :at)
       ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
         user_agent = EXCLUDED.user_agent, failure_count = 0, updated_at = EXCLUDED.updated_at
       RETURNING created_at, (xmax = 0) AS inserted`,
      {
        type: QueryTypes.SELECT,
        replacements: {
          userId,
          endpoint: body.endpoint,
          p256dh: body.keys.p256dh,
          auth: body.keys.auth,
          userAgent: userAgent ? userAgent.slice(0, 400) : null,
          at,
        },
      },
    );
    if (!row) throw new Error('push subscription upsert returned no row');
    // Bounded per user: each subscription costs one push per ready transcript.
    await this.sequelize.query(
      `DELETE FROM push_subscriptions WHERE user_id = :userId AND id NOT IN (
         SELECT id FROM push_subscriptions WHERE user_id = :userId
          ORDER BY updated_at DESC, created_at DESC LIMIT :max)`,
      { replacements: { userId, max: MAX_DEVICES_PER_USER } },
    );
    return {
      created: row.inserted,
      subscription: { endpoint: body.endpoint, createdAt: new Date(row.created_at).toISOString() },
    };
  }

  /** Removes the caller's own subscription for this endpoint; false when they have none. */
  async unsubscribe(userId: string, endpoint: string): Promise<boolean> {
    return (await this.model.destroy({ where: { userId, endpoint } })) > 0;
  }
}
