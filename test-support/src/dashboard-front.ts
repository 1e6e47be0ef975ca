import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { PUBLIC_DIR } from './dashboard-build';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
const TO_BACKEND = /^\/(api|socket\.io|readyz|healthz)(\/|$|\?)/;

/**
 * One origin for the browser, as nginx gives in production: the built app's static files (with the
 * SPA fallback), and /api, /socket.io and the health routes handed to the real server's HTTP server
 * in-process. The backend can be swapped, so a test can restart the server behind the same address.
 */
export class FrontServer {
  private readonly server: Server;
  private backend: Server | null = null;

  constructor() {
    this.server = createServer((req, res) => {
      if (TO_BACKEND.test(req.url ?? '')) {
        if (!this.backend) {
          res.writeHead(502).end('backend down');
          return;
        }
        this.backend.emit('request', req, res);
        return;
      }
      const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!)).replace(
        /^(\.\.[/\\])+/,
        '',
      );
      let file = join(PUBLIC_DIR, path);
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
      if (!existsSync(file)) file = join(PUBLIC_DIR, '200.html');
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      createReadStream(file).pipe(res);
    });
    this.server.on('upgrade', (req, socket, head) => {
      if (!this.backend) return socket.destroy();
      this.backend.emit('upgrade', req, socket, head);
    });
  }

  setBackend(server: Server | null): void {
    this.backend = server;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
