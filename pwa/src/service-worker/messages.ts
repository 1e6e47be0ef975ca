// What the page and the service worker say to each other (postMessage). No DOM or WebWorker types
// here: both programs import this file.

/** The page's "Reload" button: the waiting (new) service worker takes over now. */
export const SKIP_WAITING = { type: 'SKIP_WAITING' } as const;
export type SkipWaiting = typeof SKIP_WAITING;

export function isSkipWaiting(data: unknown): data is SkipWaiting {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { type?: unknown }).type === SKIP_WAITING.type
  );
}
