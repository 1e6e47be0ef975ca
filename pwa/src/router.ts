import { createRouter, createWebHistory, type Router } from 'vue-router';
import type { useSession } from './stores/session';
import InboxView from './views/InboxView.vue';
import LoginView from './views/LoginView.vue';

export function createAppRouter(session: () => ReturnType<typeof useSession>): Router {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      { path: '/', name: 'inbox', component: InboxView },
      { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
      // The call view (audio, editing) is a separate chunk: the inbox opens with less JavaScript.
      {
        path: '/calls/:id',
        name: 'call',
        component: () => import('./views/CallView.vue'),
        props: true,
      },
    ],
  });
  router.beforeEach((to) => {
    if (!to.meta.public && !session().loggedIn)
      return { name: 'login', query: { next: to.fullPath } };
    return true;
  });
  return router;
}
