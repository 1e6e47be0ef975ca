import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Keyring } from '../storage/keys';

/**
 * Encrypts secrets kept in the `settings` table (NinjaOne client secret, refresh token) with
 * AES-256-GCM under a key derived from the master key by HKDF-SHA256, so the master key itself is
 * only ever used to wrap keys. The setting's name is the AAD: a ciphertext copied to another
 * setting does not decrypt. Older master keys of the keyring still decrypt (rotation).
 */
export interface SealedSecret {
  v: 1;
  /** Id of the master key the settings key was derived from. */
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

const INFO = Buffer.from('cwn settings v1');

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export class SecretBox {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly keyring: Keyring) {}

  private keyFor(kid: string): Buffer {
    let key = this.keys.get(kid);
    if (!key) {
      const master = this.keyring.get(kid);
      if (!master) throw new SecretBoxError(`setting sealed with unknown master key ${kid}`);
      key = Buffer.from(hkdfSync('sha256', master.key, Buffer.alloc(0), INFO, 32));
      this.keys.set(kid, key);
    }
    return key;
  }

  seal(name: string, plaintext: string): SealedSecret {
    const kid = this.keyring.current.id;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyFor(kid), iv);
    cipher.setAAD(Buffer.from(name));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      v: 1,
      kid,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ct: ct.toString('base64'),
    };
  }

  open(name: string, sealed: unknown): string {
    const s = sealed as Partial<SealedSecret> | null;
    if (!s || s.v !== 1 || !s.kid || !s.iv || !s.tag || typeof s.ct !== 'string') {
      throw new SecretBoxError(`setting ${name} is not a sealed secret`);
    }
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.keyFor(s.kid),
        Buffer.from(s.iv, 'base64'),
      );
      decipher.setAAD(Buffer.from(name));
      decipher.setAuthTag(Buffer.from(s.tag, 'base64'));
      return Buffer.concat([
        decipher.update(Buffer.from(s.ct, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    } catch (err) {
      if (err instanceof SecretBoxError) throw err;
      throw new SecretBoxError(`setting ${name} failed authentication (tampered or wrong key)`);
    }
  }
}
