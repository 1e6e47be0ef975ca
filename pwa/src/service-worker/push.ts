/// <reference lib="webworker" />
import { PushPayload } from '@cwn/protocol';

/** The notification's words; the service worker has no access to the app's language choice. */
const TEXT = {
  en: {
    title: 'Transcript ready',
    from: 'Call from {who}',
    to: 'Call to {who}',
    unknown: 'unknown caller',
  },
  fr: {
    title: 'Transcription prête',
    from: 'Appel de {who}',
    to: 'Appel vers {who}',
    unknown: 'correspondant inconnu',
  },
};

export interface NotificationSpec {
  title: string;
  options: NotificationOptions & { data: { url: string; callId: string } };
}

/** The payload of a `push` event, or null when it is not a message of ours. */
export function parsePushData(text: string | null): PushPayload | null {
  if (!text) return null;
  try {
    const parsed = PushPayload.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** What to show for a payload: one notification per call (`tag`), a repeat replaces it. */
export function notificationFor(
  payload: PushPayload,
  languages: readonly string[],
  iconUrl: string,
): NotificationSpec {
  const text = languages.some((l) => l.toLowerCase().startsWith('fr')) ? TEXT.fr : TEXT.en;
  const name = payload.caller.name?.trim();
  const number = payload.caller.number?.trim();
  const who = name && number ? `${name} (${number})` : name || number || text.unknown;
  return {
    title: text.title,
    options: {
      body: (payload.direction === 'outbound' ? text.to : text.from).replace('{who}', who),
      icon: iconUrl,
      badge: iconUrl,
      tag: `call-${payload.callId}`,
      data: { url: payload.url, callId: payload.callId },
    },
  };
}

/**
 * `push` → a notification ("transcript ready", who called); `notificationclick` → the call in an
 * open app window (focused, and told where to go) or in a new one.
 */
export function installPush(sw: ServiceWorkerGlobalScope): void {
  sw.addEventListener('push', (event) => {
    const payload = parsePushData(event.data?.text() ?? null);
    if (!payload) {
      console.warn('push: ignored a message that is not a transcript-ready payload');
      return;
    }
    const icon = new URL('icons/icon-192.png', sw.registration.scope).href;
    const { title, options } = notificationFor(
      payload,
      sw.navigator.languages ?? [sw.navigator.language],
      icon,
    );
    event.waitUntil(sw.registration.showNotification(title, options));
  });

  sw.addEventListener('notificationclick', (event) => {
    event.notification.close();
    const data = event.notification.data as { url?: unknown } | null;
    const path = typeof data?.url === 'string' && data.url.startsWith('/calls/') ? data.url : '/';
    const url = new URL(path.replace(/^\//, ''), sw.registration.scope).href;
    const done = (async () => {
      const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).origin === sw.location.origin);
      if (open) {
        // Focus can be refused (no user activation); the window is still told where to go.
        await open.focus().catch(() => undefined);
        // The app routes itself (no reload, its state kept); see main.ts.
        open.postMessage({ type: 'cwn.navigate', url: path });
        return;
      }
      await sw.clients.openWindow(url);
    })();
    event.waitUntil(done);
  });
}
