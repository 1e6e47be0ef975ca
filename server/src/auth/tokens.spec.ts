import jwt from 'jsonwebtoken';
import { hashRefreshToken, newRefreshToken, signAccessToken, verifyAccessToken } from './tokens';

const secret = 's'.repeat(40);
const user = { id: '6f1c1f9e-0c7f-4a39-9d55-2b8f8f3c2d10', role: 'agent' as const };

describe('access tokens', () => {
  it('round-trips the claims', () => {
    const { token, expiresAt } = signAccessToken(secret, user, 900);
    const r = verifyAccessToken(secret, token);
    expect(r.ok && r.claims.sub).toBe(user.id);
    expect(r.ok && r.claims.role).toBe('agent');
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 890_000);
  });

  it('reports expiry separately from forgery', () => {
    const old = signAccessToken(secret, user, 60, new Date(Date.now() - 3_600_000));
    expect(verifyAccessToken(secret, old.token)).toEqual({ ok: false, reason: 'expired' });
    const forged = signAccessToken('x'.repeat(40), user, 60);
    expect(verifyAccessToken(secret, forged.token)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyAccessToken(secret, 'not.a.jwt')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('accepts a token signed with the secret as a string (issued before the key was cached)', () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const plain = jwt.sign({ sub: user.id, role: 'agent', exp }, secret, {
      algorithm: 'HS256',
      issuer: 'cwn-server',
      audience: 'cwn',
    });
    expect(verifyAccessToken(secret, plain).ok).toBe(true);
    expect(verifyAccessToken('y'.repeat(40), plain)).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('refresh tokens', () => {
  it('are random and stored only as their hash', () => {
    const a = newRefreshToken();
    const b = newRefreshToken();
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashRefreshToken(a.token));
    expect(a.hash).not.toContain(a.token);
    expect(a.token.length).toBeGreaterThanOrEqual(43);
  });
});
