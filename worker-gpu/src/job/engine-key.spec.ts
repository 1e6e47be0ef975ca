import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EngineKeys } from './engine-key';

/** A stand-in for the server's internal key route, counting what it is asked. */
let server: Server;
let base = '';
const asked: { url: string | null; auth: string | undefined }[] = [];
let key: string | null = 'sk-one';
let status = 200;

beforeAll(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    asked.push({ url: u.searchParams.get('url'), auth: req.headers.authorization });
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ apiKey: key }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  asked.length = 0;
  key = 'sk-one';
  status = 200;
});

describe('EngineKeys', () => {
  it('asks the server with the worker token for the URL, keeps the answer until the TTL, forgets on demand', async () => {
    let now = 1000;
    const keys = new EngineKeys({
      serverUrl: base,
      workerToken: 'tok',
      timeoutMs: 5000,
      ttlMs: 100,
      now: () => now,
    });
    const url = 'http://whisper:8000/v1?a=b&c';
    expect(await keys.get(url)).toBe('sk-one');
    expect(asked).toEqual([{ url, auth: 'Bearer tok' }]);
    key = 'sk-two';
    expect(await keys.get(url)).toBe('sk-one'); // cached
    now += 101;
    expect(await keys.get(url)).toBe('sk-two');
    key = 'sk-three';
    keys.forget(url);
    expect(await keys.get(url)).toBe('sk-three');
    expect(asked).toHaveLength(3);
  });

  it('a 5xx is retryable, a 4xx fails the job once', async () => {
    const keys = new EngineKeys({ serverUrl: base, workerToken: 'tok', timeoutMs: 5000 });
    status = 503;
    await expect(keys.get('http://a')).rejects.toMatchObject({ name: 'RetryableError' });
    status = 403;
    await expect(keys.get('http://a')).rejects.toMatchObject({
      name: 'PermanentError',
      code: 'engine_key_refused',
    });
  });
});
