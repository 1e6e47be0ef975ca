/// <reference lib="webworker" />
import { createHandlerBoundToURL } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

/**
 * Every in-app navigation (deep links such as /calls/:id included) gets the precached index.html,
 * so a reload works offline. API calls are never navigations and are left to the network.
 */
export function serveShellForNavigations(): void {
  registerRoute(
    new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//] }),
  );
}
