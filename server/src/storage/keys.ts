import { createHash } from 'node:crypto';

/** Master keys encrypt ("wrap") the per-recording data keys; they never touch audio directly. */

export const MASTER_KEY_BYTES = 32;

/** A startup configuration problem with a master key. The message never contains key material. */
export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

export interface MasterKey {
  /** First 8 hex digits of sha256(key): `echo $MASTER_KEY | base64 -d | sha256sum | cut -c1-8`. */
  readonly id: string;
  readonly key: Buffer;
}

/** The key id of a raw 32-byte master key. */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Parse a base64 (or base64url) master key of exactly 32 bytes. Missing, malformed, short, long or
 * all-zero keys throw a `MasterKeyError` whose message names the variable, so the server stops
 * with a clear line at startup.
 */
export function parseMasterKey(value: string | undefined, name = 'MASTER_KEY'): MasterKey {
  const hint = 'generate one with `openssl rand -base64 32`';
  const text = value?.trim() ?? '';
  if (text === '') throw new MasterKeyError(`${name} is not set: ${hint}`);
  let key: Buffer;
  if (BASE64.test(text) && text.length % 4 === 0) key = Buffer.from(text, 'base64');
  else if (BASE64URL.test(text)) key = Buffer.from(text, 'base64url');
  else throw new MasterKeyError(`${name} is not valid base64: ${hint}`);
  if (key.length !== MASTER_KEY_BYTES) {
    throw new MasterKeyError(
      `${name} decodes to ${key.length} bytes, expected exactly ${MASTER_KEY_BYTES}: ${hint}`,
    );
  }
  if (key.every((b) => b === 0)) throw new MasterKeyError(`${name} is all zero bytes: ${hint}`);
  return { id: masterKeyId(key), key };
}

/**
 * The current master key (wraps every new data key) plus older keys still accepted for reading,
 * looked up by key id. Rotation: put the new key in front, keep the old ones until `rotateKeys`
 * has rewrapped every file, then drop them.
 */
export class Keyring {
  readonly current: MasterKey;
  private readonly byId = new Map<string, MasterKey>();

  constructor(current: MasterKey, older: readonly MasterKey[] = []) {
    this.current = current;
    for (const k of [current, ...older]) {
      const seen = this.byId.get(k.id);
      if (seen && !seen.key.equals(k.key))
        throw new MasterKeyError(`two master keys share the key id ${k.id}`);
      this.byId.set(k.id, k);
    }
  }

  get(id: string): MasterKey | undefined {
    return this.byId.get(id);
  }

  /** Key ids, current first. */
  get ids(): string[] {
    return [...this.byId.keys()];
  }
}

/**
 * Build the keyring from the environment: `MASTER_KEY` (required) and `MASTER_KEYS_PREVIOUS`
 * (optional, comma-separated base64 keys kept for reading files not yet rewrapped).
 */
export function keyringFromEnv(env: Record<string, string | undefined> = process.env): Keyring {
  const current = parseMasterKey(env.MASTER_KEY, 'MASTER_KEY');
  const older = (env.MASTER_KEYS_PREVIOUS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s, i) => parseMasterKey(s, `MASTER_KEYS_PREVIOUS[${i}]`));
  return new Keyring(current, older);
}
