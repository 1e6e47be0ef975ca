/** Web Push's VAPID identity (RFC 8292): the server signs every push with this key pair. */
export interface VapidConfig {
  /** Raw uncompressed P-256 public key (65 bytes), base64url: what browsers subscribe with. */
  publicKey: string;
  /** Raw P-256 private scalar (32 bytes), base64url. Never logged, never returned. */
  privateKey: string;
  /** Who runs this server, for push services that need to reach the operator: mailto: or https:. */
  subject: string;
}

export class VapidConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'VapidConfigError';
  }
}

const NAMES = ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT'] as const;

function rawBytes(value: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value)) return null;
  return Buffer.from(value, 'base64url');
}

/**
 * VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT: all three (Web Push on) or none (off).
 * A partial or malformed set is refused with messages that name the variable and never contain
 * key material. Empty strings count as unset.
 */
export function vapidFromEnv(env: NodeJS.ProcessEnv): VapidConfig | null {
  const set = NAMES.filter((n) => env[n] !== undefined && env[n] !== '');
  if (set.length === 0) return null;
  const problems: string[] = [];
  if (set.length < NAMES.length) {
    const missing = NAMES.filter((n) => !set.includes(n));
    problems.push(
      `${missing.join(', ')} must be set too: VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT go together (or none, for no Web Push)`,
    );
  }
  const publicKey = env.VAPID_PUBLIC_KEY?.trim() ?? '';
  const privateKey = env.VAPID_PRIVATE_KEY?.trim() ?? '';
  const subject = env.VAPID_SUBJECT?.trim() ?? '';
  if (publicKey) {
    const raw = rawBytes(publicKey);
    if (!raw || raw.length !== 65 || raw[0] !== 0x04) {
      problems.push(
        'VAPID_PUBLIC_KEY must be a raw uncompressed P-256 public key (65 bytes, base64url)',
      );
    }
  }
  if (privateKey) {
    const raw = rawBytes(privateKey);
    if (!raw || raw.length !== 32)
      problems.push('VAPID_PRIVATE_KEY must be a raw P-256 private key (32 bytes, base64url)');
  }
  if (subject && !/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/.test(subject)) {
    problems.push('VAPID_SUBJECT must be a mailto: address or an https:// URL');
  }
  if (problems.length) throw new VapidConfigError(problems);
  return { publicKey, privateKey, subject };
}
