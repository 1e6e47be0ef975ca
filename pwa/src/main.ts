import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { locale } from './i18n';
import { createAppRouter } from './router';
import { createServices, provideServices } from './services';
import { useConnectivity } from './stores/connectivity';
import { useSession } from './stores/session';
import { watchForUpdates } from './update/updates';
import './styles.css';

async function start(): Promise<void> {
  const pinia = createPinia();
  const app = createApp(App).use(pinia);
  // The session store is created after the services, but the HTTP client asks it for tokens lazily.
  const session = () => useSession(pinia);
  provideServices(
    await createServices({
      baseUrl: () => session().serverUrl,
      tokens: { accessToken: () => session().accessToken(), refresh: () => session().refresh() },
      storage: localStorage,
      onReachability: (reachable) => useConnectivity(pinia).setServerReachable(reachable),
    }),
  );
  document.documentElement.lang = locale.value;
  const router = createAppRouter(session);
  app.use(router);
  const connectivity = useConnectivity(pinia);
  connectivity.watchNetwork();
  void connectivity.sync();
  app.mount('#app');

  if ('serviceWorker' in navigator) {
    // A click on a "transcript ready" notification, with the app already open: go to that call.
    navigator.serviceWorker.addEventListener('message', (event: MessageEvent<unknown>) => {
      const data = event.data as { type?: unknown; url?: unknown } | null;
      if (
        data?.type === 'cwn.navigate' &&
        typeof data.url === 'string' &&
        data.url.startsWith('/calls/')
      )
        void router.push(data.url);
    });
  }
  if (import.meta.env.PROD && 'serviceWorker' in navigator) {
    watchForUpdates(await navigator.serviceWorker.register('/sw.js', { scope: '/' }));
  }
}

void start();
