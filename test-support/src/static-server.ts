import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';

export interface StaticSite {
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Appended to sw.js as served (a new version of the service worker, byte-wise), when not empty. */
  swSuffix?: () => string;
}

/** Serves the built app like any static host would: files, then index.html for app routes. */
export async function serveDist(dist: string, options: ServeOptions = {}): Promise<StaticSite> {
  const app = express();
  app.get('/sw.js', (_req, res, next) => {
    const suffix = options.swSuffix?.() ?? '';
    if (!suffix) return next();
    res.type('text/javascript').send(readFileSync(join(dist, 'sw.js'), 'utf8') + suffix);
  });
  app.use(express.static(dist, { index: 'index.html' }));
  app.use((_req, res) => res.sendFile(join(dist, 'index.html')));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
