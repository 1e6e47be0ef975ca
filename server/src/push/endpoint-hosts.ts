/**
 * Which push services the server will POST to. A subscription's endpoint comes from the browser,
 * so without a list any signed-in user could make the server send requests to any HTTPS URL
 * (an internal address included). The browsers' own push services are allowed by default;
 * `PUSH_ALLOWED_HOSTS` replaces the list (`*`: any host, for a self-hosted push service).
 */
export const DEFAULT_PUSH_HOSTS = [
  'fcm.googleapis.com', // Chrome, Edge (and other Chromium browsers)
  'push.services.mozilla.com', // Firefox (updates.push.services.mozilla.com)
  'notify.windows.com', // Edge on Windows (WNS: *.notify.windows.com)
  'push.apple.com', // Safari (web.push.apple.com)
] as const;

/** True when the endpoint's host is one of `allowed` or below one of them (`a.b` allows `x.a.b`). */
export function pushEndpointAllowed(endpoint: string, allowed: readonly string[]): boolean {
  if (allowed.includes('*')) return true;
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return false;
  }
  return allowed.some((h) => host === h || host.endsWith(`.${h}`));
}
