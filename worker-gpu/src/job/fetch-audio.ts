import { PermanentError } from '../errors';

/** Network errors and 5xx: worth retrying (BullMQ backoff). */
export class RetryableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryableError';
  }
}

/**
 * GET ${serverUrl}/internal/recordings/:id/audio with the worker token. 404/400 (and other 4xx but
 * 408/429) are permanent: the recording is gone or the request is wrong; retrying cannot help.
 */
export async function fetchAudio(
  serverUrl: string,
  token: string,
  recordingId: string,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<Buffer> {
  const url = `${serverUrl}/internal/recordings/${encodeURIComponent(recordingId)}/audio`;
  const signals = [AbortSignal.timeout(opts.timeoutMs)];
  if (opts.signal) signals.push(opts.signal);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.any(signals),
    });
  } catch (err) {
    throw new RetryableError(`audio fetch failed: ${(err as Error).message} (${url})`);
  }
  if (res.status === 408 || res.status === 429 || res.status >= 500) {
    throw new RetryableError(`audio fetch failed: HTTP ${res.status} (${url})`);
  }
  if (res.status >= 400) {
    const body = (await res.text().catch(() => '')).slice(0, 200);
    throw new PermanentError(
      `audio fetch refused: HTTP ${res.status}${body ? ` ${body}` : ''} (${url})`,
      res.status === 404 ? 'recording_not_found' : 'audio_request_refused',
    );
  }
  if (!res.ok) throw new RetryableError(`audio fetch: unexpected HTTP ${res.status} (${url})`);
  try {
    return Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw new RetryableError(`audio download interrupted: ${(err as Error).message} (${url})`);
  }
}
