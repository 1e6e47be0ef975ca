import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';

export interface StaticSite {
  url: string;
  close(): Promise<void>;
}

/** Serves the built app like any static host would: files, then index.html for app routes. */
export async function serveDist(dist: string): Promise<StaticSite> {
  const app = express();
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
