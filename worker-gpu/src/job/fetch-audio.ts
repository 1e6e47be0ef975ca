import type { TranscribeWindowJob } from '@cwn/protocol';
import { PermanentError } from '../errors';

/** Network errors and 5xx: worth retrying (BullMQ backoff). */
export class RetryableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryableError';
  }
}

export interface FetchOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * GET one of the server's internal audio URLs with the worker token. Network errors, 408, 429 and
 * 5xx are retryable; other 4xx are permanent (the audio is gone or the request is wrong: retrying
 * cannot help), 404 with `notFoundCode`.
 */
async function fetchInternal(
  url: string,
  token: string,
  opts: FetchOptions,
  notFoundCode: string,
): Promise<Buffer> {
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
      res.status === 404
        ? notFoundCode
        : res.status === 416
          ? 'window_out_of_range'
          : 'audio_request_refused',
    );
  }
  if (!res.ok) throw new RetryableError(`audio fetch: unexpected HTTP ${res.status} (${url})`);
  try {
    return Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw new RetryableError(`audio download interrupted: ${(err as Error).message} (${url})`);
  }
}

/** GET ${serverUrl}/internal/recordings/:id/audio: the whole call's WAV. */
export function fetchAudio(
  serverUrl: string,
  token: string,
  recordingId: string,
  opts: FetchOptions,
): Promise<Buffer> {
  const url = `${serverUrl}/internal/recordings/${encodeURIComponent(recordingId)}/audio`;
  return fetchInternal(url, token, opts, 'recording_not_found');
}

/**
 * One window of one channel as a mono WAV (`WindowAudioQuery`): from the live recording
 * (`/internal/live-recordings/:id/window`) or the uploaded one (`/internal/recordings/:id/window`).
 * A 416 (a range past what is held) is permanent, as the server queues a window only once its
 * audio has arrived.
 */
export function fetchWindowAudio(
  serverUrl: string,
  token: string,
  job: Pick<TranscribeWindowJob, 'source' | 'channel' | 'startSample' | 'endSample'>,
  opts: FetchOptions,
): Promise<Buffer> {
  const [path, id, notFound] =
    job.source.kind === 'live'
      ? ['live-recordings', job.source.liveRecordingId, 'live_recording_not_found']
      : ['recordings', job.source.recordingId, 'recording_not_found'];
  const query = new URLSearchParams({
    channel: job.channel,
    start: String(job.startSample),
    end: String(job.endSample),
  });
  const url = `${serverUrl}/internal/${path}/${encodeURIComponent(id)}/window?${query.toString()}`;
  return fetchInternal(url, token, opts, notFound);
}
