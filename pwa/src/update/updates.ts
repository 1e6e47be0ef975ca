import { ref, shallowRef } from 'vue';
import { SKIP_WAITING } from '../service-worker/messages';

/** A new version's service worker, installed and waiting for the manager's "Reload". */
export const waitingWorker = shallowRef<ServiceWorker | null>(null);
/** The manager chose "Reload": the page reloads once the new worker controls it. */
export const applying = ref(false);

/** A long-open app asks the server for a new sw.js this often (and when it comes back to the front). */
export const UPDATE_CHECK_INTERVAL_MS = 30 * 60 * 1000;

/**
 * Watches a registration for a new version: a worker that finishes installing while this page is
 * controlled (or is already waiting when the page loads) is an update, offered in the banner. When
 * a controller is replaced by another, the page reloads once, so that it runs the code the new
 * worker serves. The first install (no controller before) takes the page without a reload.
 */
export function watchForUpdates(
  registration: ServiceWorkerRegistration,
  container: ServiceWorkerContainer = navigator.serviceWorker,
): void {
  const offer = (worker: ServiceWorker | null) => {
    if (worker && container.controller) waitingWorker.value = worker;
  };
  offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed') offer(worker);
    });
  });

  let controller = container.controller;
  let reloading = false;
  container.addEventListener('controllerchange', () => {
    const replaced = controller !== null;
    controller = container.controller;
    if (!replaced || reloading) return;
    reloading = true;
    window.location.reload();
  });

  const check = () => void registration.update().catch(() => undefined); // offline: next time
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') check();
  });
  window.addEventListener('focus', check);
  setInterval(check, UPDATE_CHECK_INTERVAL_MS);
}

/** "Reload": the waiting worker takes over; `controllerchange` then reloads the page. */
export function applyUpdate(): void {
  const worker = waitingWorker.value;
  if (!worker) return;
  applying.value = true;
  worker.postMessage(SKIP_WAITING);
}
