import { z } from 'zod';
import { CallDirection } from './calls';
import { Id } from './common';

/** Unpadded (or padded) base64url, as PushSubscription.toJSON() gives its keys. */
const base64url = (bytes: number, what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `${what} must be base64url`)
    .refine(
      (s) => Math.floor((s.replace(/=+$/, '').length * 6) / 8) === bytes,
      `${what} must encode ${bytes} bytes`,
    );

/**
 * `POST /api/push/subscriptions` (and what `PushSubscription.toJSON()` gives in the browser): where
 * the browser's push service accepts messages for this device, and the keys that encrypt them.
 */
export const PushSubscriptionBody = z.object({
  /** The push service's URL for this device; always HTTPS (RFC 8030). */
  endpoint: z
    .url()
    .max(2048)
    .refine((u) => u.startsWith('https://'), 'endpoint must be an https:// URL'),
  /** Milliseconds since the epoch, or null: when the browser will drop the subscription. */
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    /** The device's P-256 public key, uncompressed (65 bytes, first byte 0x04). */
    p256dh: base64url(65, 'keys.p256dh').refine(
      (s) => s.startsWith('B'),
      'keys.p256dh must be an uncompressed P-256 point',
    ),
    /** The 16-byte authentication secret. */
    auth: base64url(16, 'keys.auth'),
  }),
});
export type PushSubscriptionBody = z.infer<typeof PushSubscriptionBody>;

/** The answer of `POST /api/push/subscriptions` (201 created, 200 already known). */
export const PushSubscriptionInfo = z.object({
  endpoint: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
});
export type PushSubscriptionInfo = z.infer<typeof PushSubscriptionInfo>;

/** `DELETE /api/push/subscriptions`: the endpoint, as a JSON body or as `?endpoint=`. */
export const PushUnsubscribeRequest = z.object({ endpoint: z.url().max(2048) });
export type PushUnsubscribeRequest = z.infer<typeof PushUnsubscribeRequest>;

/** `GET /api/push/vapid-public-key`: the server's VAPID public key (raw P-256 point, base64url). */
export const VapidPublicKey = z.object({ publicKey: base64url(65, 'publicKey') });
export type VapidPublicKey = z.infer<typeof VapidPublicKey>;

/**
 * What the service worker receives in a `push` event (encrypted end to end, aes128gcm). Customer
 * content is kept minimal: who called, never what was said; the app fetches the rest when opened.
 */
export const PushPayload = z.object({
  type: z.literal('transcript.ready'),
  callId: Id,
  direction: CallDirection,
  caller: z.object({
    name: z.string().max(200).nullable(),
    number: z.string().max(64).nullable(),
  }),
  /** Where a click on the notification leads, relative to the app's origin. */
  url: z.string().regex(/^\/calls\/[0-9a-f-]{36}$/, 'url must be /calls/<id>'),
});
export type PushPayload = z.infer<typeof PushPayload>;
