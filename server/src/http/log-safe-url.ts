/** Query parameters whose values never reach a log line (OAuth codes/state arrive in URLs). */
const SECRET_PARAMS = new Set([
  'code',
  'state',
  'token',
  'access_token',
  'refresh_token',
  'code_verifier',
]);

/** A URL with the values of secret-bearing query parameters replaced by "[redacted]". */
export function logSafeUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  for (const key of [...params.keys()]) {
    if (SECRET_PARAMS.has(key.toLowerCase())) {
      params.set(key, '[redacted]');
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${params.toString()}` : url;
}

/** pino-http request serializer step: scrubs `url` and `query` of a serialized request. */
export function logSafeRequest<T extends { url?: unknown; query?: unknown }>(req: T): T {
  if (typeof req.url === 'string') req.url = logSafeUrl(req.url);
  if (req.query && typeof req.query === 'object') {
    const query = { ...(req.query as Record<string, unknown>) };
    for (const key of Object.keys(query))
      if (SECRET_PARAMS.has(key.toLowerCase())) query[key] = '[redacted]';
    req.query = query;
  }
  return req;
}
