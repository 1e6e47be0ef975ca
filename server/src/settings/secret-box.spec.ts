import { Keyring, parseMasterKey } from '../storage/keys';
import { SecretBox, SecretBoxError } from './secret-box';

const key = (byte: number) => parseMasterKey(Buffer.alloc(32, byte).toString('base64'));

describe('SecretBox', () => {
  const box = new SecretBox(new Keyring(key(1)));

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('ninjaone.clientSecret', 'super-secret-value');
    expect(JSON.stringify(sealed)).not.toContain('super-secret-value');
    expect(box.open('ninjaone.clientSecret', sealed)).toBe('super-secret-value');
    expect(box.seal('k', 'same').ct).not.toBe(box.seal('k', 'same').ct); // random nonces
  });

  it('refuses a ciphertext moved to another setting, tampered, or sealed under an unknown key', () => {
    const sealed = box.seal('ninjaone.refreshToken', 'rt');
    expect(() => box.open('ninjaone.clientSecret', sealed)).toThrow(SecretBoxError);
    const flipped = {
      ...sealed,
      ct: Buffer.from(
        Buffer.from(sealed.ct, 'base64').map((b, i) => (i === 0 ? b ^ 1 : b)),
      ).toString('base64'),
    };
    expect(() => box.open('ninjaone.refreshToken', flipped)).toThrow(/failed authentication/);
    expect(() => new SecretBox(new Keyring(key(2))).open('ninjaone.refreshToken', sealed)).toThrow(
      /unknown master key/,
    );
    expect(() => box.open('x', { nope: true })).toThrow(/not a sealed secret/);
  });

  it('still opens secrets sealed under a previous master key after rotation', () => {
    const sealed = box.seal('k', 'v');
    const rotated = new SecretBox(new Keyring(key(3), [key(1)]));
    expect(rotated.open('k', sealed)).toBe('v');
    expect(rotated.seal('k', 'v').kid).toBe(key(3).id);
  });
});
