import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { BACKGROUND_COLOR, THEME_COLOR, iconsPlugin, manifestIcons } from './vite-plugins/icons';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // The contracts from source: the browser bundle needs no prior `tsc -b` of protocol/.
    alias: { '@cwn/protocol': here('../protocol/src/index.ts') },
  },
  build: { target: 'es2022', reportCompressedSize: false },
  plugins: [
    vue(),
    iconsPlugin(here('src/assets/icon.svg')),
    VitePWA({
      // Our own service worker program (src/service-worker/), Workbox only injects the precache list.
      strategies: 'injectManifest',
      srcDir: 'src/service-worker',
      filename: 'sw.ts',
      injectRegister: false,
      registerType: 'autoUpdate',
      injectManifest: { globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'] },
      manifest: {
        name: '3CX Whisper — calls',
        short_name: 'Calls',
        description: 'Read, correct and validate helpdesk call transcripts.',
        lang: 'en',
        start_url: './',
        scope: './',
        display: 'standalone',
        orientation: 'portrait',
        theme_color: THEME_COLOR,
        background_color: BACKGROUND_COLOR,
        icons: manifestIcons(),
      },
    }),
  ],
});
