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

/**
 * The path of a request URL, without its query string or fragment: queries carry caller numbers
 * and names (uploads, call search) and OAuth codes, none of which may reach a log line.
 */
export function logPath(url: string | undefined): string {
  if (!url) return '';
  const end = url.search(/[?#]/);
  return end < 0 ? url : url.slice(0, end);
}

/** What a request log line says about the request: its id, method and path. No headers, no query. */
export function requestLogFields(req: { id?: unknown; method?: unknown; url?: unknown }) {
  return {
    id: req.id,
    method: req.method,
    path: logPath(typeof req.url === 'string' ? req.url : undefined),
  };
}

/** What a request log line says about the response: its status. No headers. */
export function responseLogFields(res: { statusCode?: unknown }) {
  return { statusCode: res.statusCode };
}

/** The message of a request log line, readable on its own: "GET /api/calls 200 12 ms". */
export function requestLogMessage(
  req: { method?: string; url?: string; originalUrl?: string },
  res: { statusCode: number },
  responseTime?: number,
): string {
  const time = responseTime === undefined ? '' : ` ${Math.round(responseTime)} ms`;
  return `${req.method ?? '?'} ${logPath(req.originalUrl ?? req.url)} ${res.statusCode}${time}`;
}
