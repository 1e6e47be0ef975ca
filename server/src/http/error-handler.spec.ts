import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLogger } from '../logger';
import { errorHandler } from './error-handler';

/** An app whose one route fails after its response started, as a stream that breaks mid-way does. */
async function serve(): Promise<{ server: Server; url: string; logged: string[] }> {
  const logged: string[] = [];
  const logger = createLogger('error');
  const original = logger.error.bind(logger);
  logger.error = ((obj: unknown, msg?: string) => {
    logged.push(msg ?? String(obj));
    return original(obj as object, msg);
  }) as typeof logger.error;
  const app = express();
  app.get('/half', (_req, res, next) => {
    res.status(200).setHeader('Content-Length', '1000');
    res.write('x'.repeat(100), () => next(new Error('the source broke')));
  });
  app.use(errorHandler(logger));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, logged };
}

describe('errorHandler after the response started', () => {
  it('destroys the connection instead of appending an error body, and logs it', async () => {
    const { server, url, logged } = await serve();
    try {
      const outcome = await new Promise<{ status: number; bytes: number; aborted: boolean }>(
        (resolve, reject) => {
          get(`${url}/half`, (res) => {
            let bytes = 0;
            res.on('data', (c: Buffer) => (bytes += c.length));
            res.on('end', () => resolve({ status: res.statusCode!, bytes, aborted: false }));
            res.on('error', () => resolve({ status: res.statusCode!, bytes, aborted: true }));
            res.on('aborted', () => resolve({ status: res.statusCode!, bytes, aborted: true }));
          }).on('error', reject);
        },
      );
      // The client can tell: the body ends short of its Content-Length, with no JSON after it.
      expect(outcome).toEqual({ status: 200, bytes: 100, aborted: true });
      expect(logged).toContain('error after response started');
    } finally {
      server.close();
    }
  });
});
