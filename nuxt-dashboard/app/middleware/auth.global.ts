import type { Role } from '@cwn/protocol';
import { defineNuxtRouteMiddleware, navigateTo } from '#imports';
import { useSessionStore } from '~/stores/session';

declare module '#app' {
  interface PageMeta {
    /** Roles allowed on the page; absent: any signed-in user. */
    roles?: Role[];
    /** Reachable without signing in (the page handles its own access, like /tv with a kiosk token). */
    public?: boolean;
  }
}

/** Navigation by role: signed-out users go to /login, users without the role to /forbidden. */
export default defineNuxtRouteMiddleware((to) => {
  if (to.meta.public) return;
  const session = useSessionStore();
  if (!session.user) return navigateTo({ path: '/login', query: { next: to.fullPath } });
  if (to.meta.roles && !to.meta.roles.includes(session.user.role)) {
    return navigateTo({ path: '/forbidden', query: { from: to.path } });
  }
});
