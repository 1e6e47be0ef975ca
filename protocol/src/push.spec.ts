import { createECDH, randomBytes } from 'node:crypto';
import { PushPayload, PushSubscriptionBody, VapidPublicKey } from './index';

describe('Web Push contracts', () => {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const keys = {
    p256dh: ecdh.getPublicKey().toString('base64url'),
    auth: randomBytes(16).toString('base64url'),
  };
  const endpoint = 'https://push.example.net/send/abc';

  it('accepts what PushSubscription.toJSON() gives, padded or not', () => {
    expect(PushSubscriptionBody.safeParse({ endpoint, expirationTime: null, keys }).success).toBe(
      true,
    );
    expect(
      PushSubscriptionBody.safeParse({ endpoint, keys: { ...keys, auth: `${keys.auth}==` } })
        .success,
    ).toBe(true);
  });

  it('refuses http endpoints and keys of the wrong size or shape', () => {
    expect(
      PushSubscriptionBody.safeParse({ endpoint: 'http://push.example.net/x', keys }).success,
    ).toBe(false);
    expect(
      PushSubscriptionBody.safeParse({
        endpoint,
        keys: { ...keys, auth: randomBytes(15).toString('base64url') },
      }).success,
    ).toBe(false);
    const compressed = ecdh.getPublicKey(null, 'compressed').toString('base64url');
    expect(
      PushSubscriptionBody.safeParse({ endpoint, keys: { ...keys, p256dh: compressed } }).success,
    ).toBe(false);
    expect(
      PushSubscriptionBody.safeParse({
        endpoint,
        keys: { ...keys, p256dh: keys.p256dh.replace(/^B/, 'C') },
      }).success,
    ).toBe(false);
    expect(VapidPublicKey.safeParse({ publicKey: keys.p256dh }).success).toBe(true);
  });

  it('carries who called and where to go, nothing else', () => {
    const callId = '0b7f7a4e-9a1e-4d2b-8b3e-5f0d6c1e2a3b';
    const payload = {
      type: 'transcript.ready',
      callId,
      direction: 'inbound',
      caller: { name: null, number: '+33612345678' },
      url: `/calls/${callId}`,
    };
    expect(PushPayload.parse({ ...payload, transcript: 'secret words' })).toEqual(payload);
    expect(PushPayload.safeParse({ ...payload, url: 'https://evil.example/' }).success).toBe(false);
    expect(PushPayload.safeParse({ ...payload, type: 'other' }).success).toBe(false);
  });
});
