/**
 * The API key of the engine the admins chose (decision 1612). Jobs carry the engine's URL and
 * model but never its key: the worker asks the server (`GET /internal/whisper-engine-key?url=`,
 * worker token) and keeps the answer a short while, so a call's chunks and the next jobs do not
 * each ask. The server answers only for the URL its settings name, so a job queued before the URL
 * changed never sends the new key to the old server. A key the API refused is forgotten at once.
 */
import { WhisperEngineKeyResponse } from '@cwn/protocol';
import { PermanentError } from '../errors';
import { RetryableError } from './fetch-audio';

export const ENGINE_KEY_TTL_MS = 30_000;

export class EngineKeys {
  private readonly cache = new Map<string, { key: string | null; until: number }>();

  constructor(
    private readonly opts: {
      serverUrl: string;
      workerToken: string;
      timeoutMs: number;
      ttlMs?: number;
      now?: () => number;
    },
  ) {}

  async get(url: string, signal?: AbortSignal): Promise<string | null> {
    const now = (this.opts.now ?? Date.now)();
    const hit = this.cache.get(url);
    if (hit && hit.until > now) return hit.key;
    const signals = [AbortSignal.timeout(this.opts.timeoutMs)];
    if (signal) signals.push(signal);
    let res: Response;
    try {
      res = await fetch(
        `${this.opts.serverUrl}/internal/whisper-engine-key?url=${encodeURIComponent(url)}`,
        {
          headers: { Authorization: `Bearer ${this.opts.workerToken}` },
          signal: AbortSignal.any(signals),
        },
      );
    } catch (err) {
      throw new RetryableError(`engine key fetch failed: ${(err as Error).message}`);
    }
    if (res.status === 408 || res.status === 429 || res.status >= 500)
      throw new RetryableError(`engine key fetch failed: HTTP ${res.status}`);
    if (!res.ok)
      throw new PermanentError(
        `engine key fetch refused: HTTP ${res.status}`,
        'engine_key_refused',
      );
    const parsed = WhisperEngineKeyResponse.safeParse(await res.json().catch(() => null));
    if (!parsed.success) throw new RetryableError('engine key fetch: unexpected answer');
    this.cache.set(url, {
      key: parsed.data.apiKey,
      until: now + (this.opts.ttlMs ?? ENGINE_KEY_TTL_MS),
    });
    return parsed.data.apiKey;
  }

  /** Forget the key of `url` (the API refused it): the next job asks the server again. */
  forget(url: string): void {
    this.cache.delete(url);
  }
}
