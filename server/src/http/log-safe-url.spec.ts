import { logSafeRequest, logSafeUrl } from './log-safe-url';

describe('logSafeUrl', () => {
  it('redacts OAuth codes and state, keeps the rest', () => {
    expect(logSafeUrl('/api/ninjaone/callback?code=abc123&state=xyz&lang=fr')).toBe(
      '/api/ninjaone/callback?code=%5Bredacted%5D&state=%5Bredacted%5D&lang=fr',
    );
    expect(logSafeUrl('/api/calls?limit=5')).toBe('/api/calls?limit=5');
    expect(logSafeUrl('/healthz')).toBe('/healthz');
  });

  it('scrubs a serialized request’s query object', () => {
    expect(
      logSafeRequest({ url: '/cb?code=s3cret', query: { code: 's3cret', page: '2' } }),
    ).toEqual({
      url: '/cb?code=%5Bredacted%5D',
      query: { code: '[redacted]', page: '2' },
    });
  });
});
