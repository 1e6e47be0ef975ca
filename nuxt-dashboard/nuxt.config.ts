import { fileURLToPath } from 'node:url';

// A single-page app (no SSR): the TV wallboard and the admin pages talk to the server's API only.
// The API is same-origin by default (nginx serves this app and proxies /api and /socket.io);
// NUXT_PUBLIC_API_BASE at build time points it elsewhere (the server must then list the origin
// in CORS_ORIGINS).
export default defineNuxtConfig({
  ssr: false,
  compatibilityDate: '2025-07-15',
  devtools: { enabled: false },
  telemetry: false,
  modules: ['@pinia/nuxt'],
  css: ['~/assets/css/main.css'],
  app: {
    head: {
      title: 'Helpdesk calls',
      meta: [{ name: 'viewport', content: 'width=device-width, initial-scale=1' }],
    },
  },
  runtimeConfig: { public: { apiBase: '' } },
  alias: {
    // The contracts from their sources: no protocol build needed before this one.
    '@cwn/protocol': fileURLToPath(new URL('../protocol/src/index.ts', import.meta.url)),
  },
  nitro: {
    devProxy: {
      '/api': { target: 'http://127.0.0.1:3000/api', changeOrigin: true },
      '/socket.io': { target: 'http://127.0.0.1:3000/socket.io', ws: true, changeOrigin: true },
    },
  },
});
