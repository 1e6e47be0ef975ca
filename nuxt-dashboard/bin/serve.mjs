#!/usr/bin/env node
// Serves the built dashboard (.output/public, with the SPA fallback) and forwards /api, /socket.io
// (WebSocket included) and the health routes to the API server, so the browser sees one origin as
// it does behind nginx. For `npm start` and simple installs; production puts nginx in front.
// `npm start` serves the managers' PWA with it too (--dir pwa/dist --fallback index.html).
//   node nuxt-dashboard/bin/serve.mjs [--port 3001] [--host 0.0.0.0] [--api http://127.0.0.1:3000]
//     [--dir DIR --fallback FILE] [--name NAME]
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createProxyServer } from 'httpxy';
import sirv from 'sirv';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.DASHBOARD_PORT ?? '3001' },
    host: { type: 'string', default: process.env.DASHBOARD_HOST ?? '0.0.0.0' },
    api: { type: 'string', default: process.env.API_URL ?? 'http://127.0.0.1:3000' },
    dir: { type: 'string' },
    fallback: { type: 'string', default: '200.html' },
    name: { type: 'string', default: 'dashboard' },
  },
});
const publicDir = values.dir
  ? resolve(values.dir)
  : join(dirname(fileURLToPath(import.meta.url)), '..', '.output', 'public');
if (!existsSync(join(publicDir, values.fallback))) {
  console.error(
    `no built ${values.name} in ${publicDir} (${values.fallback} is missing): build it first`,
  );
  process.exit(1);
}

const TO_API = /^\/(api|socket\.io|readyz|healthz)(\/|$|\?)/;
const proxy = createProxyServer({ target: values.api, ws: true, xfwd: true });
proxy.on('error', () => undefined); // answered per request below
const files = sirv(publicDir, { single: values.fallback, etag: true, gzip: false });

const server = createServer(async (req, res) => {
  if (!TO_API.test(req.url ?? '')) return files(req, res);
  try {
    await proxy.web(req, res);
  } catch {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end('the API server is not reachable');
  }
});
server.on('upgrade', (req, socket, head) => {
  if (!TO_API.test(req.url ?? '')) return socket.destroy();
  proxy.ws(req, socket, { target: values.api }, head).catch(() => socket.destroy());
});
server.listen(Number(values.port), values.host, () => {
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(`${values.name} on http://${values.host}:${port} (API: ${values.api})`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
