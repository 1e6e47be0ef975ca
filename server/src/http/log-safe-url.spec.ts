import {
  logPath,
  logSafeUrl,
  requestLogFields,
  requestLogMessage,
  responseLogFields,
} from './log-safe-url';

describe('logSafeUrl', () => {
  it('redacts OAuth codes and state, keeps the rest', () => {
    expect(logSafeUrl('/api/ninjaone/callback?code=abc123&state=xyz&lang=fr')).toBe(
      '/api/ninjaone/callback?code=%5Bredacted%5D&state=%5Bredacted%5D&lang=fr',
    );
    expect(logSafeUrl('/api/calls?limit=5')).toBe('/api/calls?limit=5');
    expect(logSafeUrl('/healthz')).toBe('/healthz');
  });
});

describe('request log fields', () => {
  it('keep the path and drop the query string and fragment', () => {
    expect(logPath('/api/upload-recording?remoteNumber=%2B33123&remoteName=Ada')).toBe(
      '/api/upload-recording',
    );
    expect(logPath('/api/calls#x')).toBe('/api/calls');
    expect(logPath('/healthz')).toBe('/healthz');
    expect(logPath(undefined)).toBe('');
  });

  it('hold id, method and path of a request, the status of a response, no headers', () => {
    expect(
      requestLogFields({
        id: 'r1',
        method: 'GET',
        url: '/api/calls?q=Ada',
        headers: { authorization: 'Bearer x' },
      } as { id: string; method: string; url: string }),
    ).toEqual({ id: 'r1', method: 'GET', path: '/api/calls' });
    expect(
      responseLogFields({ statusCode: 200, headers: { 'set-cookie': 'a' } } as {
        statusCode: number;
      }),
    ).toEqual({ statusCode: 200 });
  });

  it('make a readable message from the original URL', () => {
    expect(
      requestLogMessage(
        { method: 'GET', url: '/x', originalUrl: '/api/calls?q=Ada' },
        { statusCode: 200 },
        12.4,
      ),
    ).toBe('GET /api/calls 200 12 ms');
  });
});
