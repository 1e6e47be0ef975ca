/**
 * Streams calls live with the server's live recording protocol (@cwn/protocol live.ts; design in
 * docs/decisions/0502-extension-live-streaming.md). While a call lasts, each pass asks the
 * offscreen document for the next batch of 16 kHz stereo PCM (stored in IndexedDB with the count
 * that covers it before anything is sent), then appends what the server does not hold yet at its
 * offset. A network cut, a 503, a worker or browser restart only delay the pass: everything it
 * needs is in IndexedDB, and a refused offset resumes from the one the server names. At hang-up
 * the tail is produced and sent, then the live recording is closed. A server without live
 * support (404 on open), a call the stream never reached, or a stream the server can no longer
 * take leave the call to the whole-call upload.
 */
import {
  ApiError,
  LIVE_MAX_APPEND_BYTES,
  LiveOffsetMismatch,
  NetworkError,
  REQUIRED_SAMPLE_RATE,
} from '@cwn/protocol';
import { tokenClient } from '../shared/api-client';
import { LiveStore, type Db, type LiveState } from '../shared/db';
import type { LiveProduceRequest, LiveProduceResult } from '../shared/messages';
import type { TrackedCall } from './call-tracker';

export { LIVE_ENABLED_KEY, liveEnabled } from '../shared/settings';
/** The least time between two passes while calls are live. */
export const LIVE_PASS_MS = 2_000;
/** A side that has no recorder this long after the call's first one is taken as silent. */
const SIDE_WAIT_MS = 4_000;
const RETRY_MS = 2_000;
const FETCH_TIMEOUT_MS = 15_000;

export class LiveHttpError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export type AppendOutcome =
  | { kind: 'ok'; offset: number }
  | { kind: 'mismatch'; expectedOffset: number }
  | { kind: 'closed' };

export interface LiveApi {
  /** The live recording's id and offset; 'unsupported' when the server has no live route (404). */
  open(serverCallId: string): Promise<{ id: string; offset: number } | 'unsupported'>;
  append(id: string, offset: number, data: ArrayBuffer): Promise<AppendOutcome>;
  close(id: string, totalBytes: number): Promise<{ recordingId: string | null }>;
  /**
   * Deletes what the server holds of an open live recording ("don't record this call"). Resolves
   * once nothing of it is kept (204; 404 unknown, 410 discarded already, 403 not ours: nothing to
   * do); a 409 (closed already: it is a recording) is not retryable.
   */
  discard(id: string): Promise<void>;
}

function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429 || status === 401;
}

export function httpLiveApi(
  serverUrl: () => Promise<string>,
  accessToken: () => Promise<string>,
): LiveApi {
  /** The typed client with a fresh token; no token (logged out) is worth retrying later. */
  const client = async () => {
    let token: string;
    try {
      token = await accessToken();
    } catch (err) {
      throw new LiveHttpError((err as Error).message, true);
    }
    return tokenClient(await serverUrl(), token);
  };
  /** Sends one request; what is not an answer of the server (cut, timeout) is retryable. */
  const send = async <T>(what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    try {
      return await run(AbortSignal.timeout(FETCH_TIMEOUT_MS));
    } catch (err) {
      if (err instanceof ApiError || err instanceof LiveHttpError) throw err;
      if (err instanceof NetworkError || (err as Error).name === 'TimeoutError') {
        const cause = err instanceof NetworkError ? err.cause : err;
        throw new LiveHttpError(`server unreachable: ${(cause as Error).message}`, true);
      }
      throw new LiveHttpError(`${what}: ${(err as Error).message}`, true);
    }
  };
  const fail = (err: unknown, what: string): never => {
    if (!(err instanceof ApiError)) throw err;
    const message = err.code === 'unknown' ? `HTTP ${err.status}` : err.message;
    throw new LiveHttpError(`${what}: HTTP ${err.status} ${message}`, retryable(err.status));
  };
  return {
    async open(serverCallId) {
      const api = await client();
      try {
        const res = await send('open', (signal) =>
          api.request('openLiveRecording', {
            params: { id: serverCallId },
            body: { format: { sampleRate: REQUIRED_SAMPLE_RATE, channels: 2, encoding: 's16le' } },
            signal,
          }),
        );
        if (res.status !== 201) throw new LiveHttpError(`open: HTTP ${res.status}`, false);
        return { id: res.data.id, offset: res.data.offset };
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (err.status === 404) return 'unsupported';
        if (err.status === 409) {
          const d = err.details as {
            liveRecordingId?: unknown;
            expectedOffset?: unknown;
            state?: unknown;
          };
          if (
            err.code === 'live_recording_exists' &&
            typeof d?.liveRecordingId === 'string' &&
            typeof d.expectedOffset === 'number' &&
            d.state === 'open'
          )
            return { id: d.liveRecordingId, offset: d.expectedOffset };
          throw new LiveHttpError(`open: ${err.message}`, false);
        }
        return fail(err, 'open');
      }
    },
    async append(id, offset, data) {
      const api = await client();
      try {
        const res = await send('append', (signal) =>
          api.appendLiveAudio({
            params: { id },
            headers: { 'Upload-Offset': String(offset) },
            body: data,
            signal,
          }),
        );
        return { kind: 'ok', offset: res.offset };
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          if (err.code === 'live_offset_mismatch') {
            const d = LiveOffsetMismatch.safeParse(err.details);
            if (d.success) return { kind: 'mismatch', expectedOffset: d.data.expectedOffset };
          }
          if (err.code === 'live_recording_closed') return { kind: 'closed' };
          throw new LiveHttpError(`append: ${err.message}`, false);
        }
        return fail(err, 'append');
      }
    },
    async close(id, totalBytes) {
      const api = await client();
      try {
        const closed = await send('close', (signal) =>
          api.closeLiveRecording({ params: { id }, body: { totalBytes }, signal }),
        );
        return { recordingId: closed.recordingId };
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          const d = LiveOffsetMismatch.safeParse(err.details);
          if (err.code === 'live_offset_mismatch' && d.success)
            throw new LiveHttpError(`close: the server holds ${d.data.expectedOffset} bytes`, true);
          throw new LiveHttpError(`close: ${err.message}`, false);
        }
        return fail(err, 'close');
      }
    },
    async discard(id) {
      const api = await client();
      try {
        await send('discard', (signal) => api.discardLiveRecording({ params: { id }, signal }));
      } catch (err) {
        if (err instanceof ApiError) {
          // Unknown, discarded already or not ours: nothing of it is left for us to delete.
          if (err.status === 404 || err.status === 410 || err.status === 403) return;
          if (err.status === 409) throw new LiveHttpError(`discard: ${err.message}`, false);
        }
        return fail(err, 'discard');
      }
    },
  };
}

export interface LiveDeps {
  db: Db;
  api: LiveApi;
  produce(request: Omit<LiveProduceRequest, 'target' | 'type'>): Promise<LiveProduceResult>;
  /** The calls still going on (the tracker's). */
  activeCalls(): readonly TrackedCall[];
  /** Ended calls whose stream is being finished (the upload items in `streaming`). */
  finishingCalls(): Promise<TrackedCall[]>;
  /** The server's id of a call, once reported (null: not yet). */
  serverCallId(call: TrackedCall): Promise<string | null>;
  /** The live recording is closed: the server made `recordingId`. */
  closed(call: TrackedCall, serverCallId: string, recordingId: string | null): Promise<void>;
  /** The whole-call upload takes over. */
  fallBack(call: TrackedCall, reason: string): Promise<void>;
  enabled(): Promise<boolean>;
  now?: () => number;
}

export function newLiveState(callKey: string, now: number): LiveState {
  return {
    id: callKey,
    state: 'opening',
    serverCallId: null,
    liveId: null,
    t0: null,
    produced: 0,
    sent: 0,
    final: false,
    recordingId: null,
    lastError: null,
    nextAttemptAt: now,
    batches: [],
    tail: null,
    unstableBatches: 0,
    updatedAt: now,
  };
}

/** The call's length from its time zero, as the whole-call conversion computes it. */
export function finalDurationMs(call: TrackedCall, t0: number): number {
  const end = Math.max(
    ...call.recorders.map((r) => r.stoppedAt ?? call.endedAt ?? t0),
    call.endedAt ?? t0,
  );
  return Math.max(100, Math.min(end, call.endedAt ?? end) - t0);
}

export class LiveStreamer {
  readonly store: LiveStore;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private lastPass = 0;
  /** How long the last batch took in the offscreen document (ms): passes are spaced by it. */
  private lastProduceMs = 0;
  private readonly now: () => number;

  constructor(private readonly d: LiveDeps) {
    this.store = new LiveStore(d.db);
    this.now = d.now ?? Date.now;
  }

  /** Asks for a pass soon (at most one every LIVE_PASS_MS; one at a time). */
  kick(): void {
    if (this.timer) return;
    // Decoding the call so far costs more as the call grows (decision 0502): the offscreen
    // document spends at most a quarter of its time on it.
    const interval = Math.max(LIVE_PASS_MS, 4 * this.lastProduceMs);
    const wait = Math.max(0, this.lastPass + interval - this.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pass();
    }, wait);
  }

  /** One pass over every live call; concurrent calls share it and ask for another after it. */
  pass(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.lastPass = this.now();
    this.running = this.run()
      .catch((err: unknown) => console.error('[cwn] live pass', err))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
    return this.running;
  }

  private async run(): Promise<void> {
    const enabled = await this.d.enabled();
    for (const call of this.d.activeCalls()) {
      if (call.status === 'ended' || call.doNotRecord || call.recorders.length === 0) continue;
      if (!enabled) continue;
      let state = await this.store.get(call.key);
      if (!state) {
        state = newLiveState(call.key, this.now());
        await this.store.put(state);
      }
      await this.advance(call, state, false);
    }
    for (const call of await this.d.finishingCalls()) {
      const state = await this.store.get(call.key);
      if (!state || state.state !== 'open') {
        await this.d.fallBack(call, 'the call was not streamed live');
        continue;
      }
      await this.advance(call, state, true);
    }
    // Last: an open that was in flight when "don't record" came has its id by now.
    await this.discardPending();
    // Keep going while anything is live or a discard waits.
    if (
      this.d.activeCalls().some((c) => c.status !== 'ended' && c.recorders.length > 0) ||
      (await this.store.all()).some((s) => s.state === 'discard')
    )
      this.again = true;
  }

  /** Changes a state; one marked `discard` meanwhile stays so (it only learns the server's ids). */
  private async patch(key: string, change: Partial<LiveState>): Promise<LiveState | undefined> {
    return this.store.update(key, (s) =>
      s.state === 'discard'
        ? {
            ...s,
            liveId: change.liveId ?? s.liveId,
            serverCallId: change.serverCallId ?? s.serverCallId,
          }
        : { ...s, ...change },
    );
  }

  /**
   * "Don't record this call": the local pieces go at once; what the server holds is deleted by
   * the next pass (retried while the server cannot be reached), then the state goes too.
   */
  async discard(callKey: string): Promise<void> {
    const marked = await this.store.update(callKey, (s) =>
      s.liveId || s.state === 'opening' || s.state === 'open'
        ? { ...s, state: 'discard', tail: null, lastError: null, nextAttemptAt: 0 }
        : null,
    );
    if (marked?.state === 'discard') {
      await this.store.dropBelow(callKey, Number.MAX_SAFE_INTEGER);
      this.kick();
    } else await this.store.delete(callKey);
  }

  /** Forgets a call's live state, unless a discard still has to reach the server. */
  async forget(callKey: string): Promise<void> {
    const state = await this.store.get(callKey);
    if (state?.state !== 'discard') await this.store.delete(callKey);
  }

  private async discardPending(): Promise<void> {
    for (const state of await this.store.all()) {
      if (state.state !== 'discard' || state.nextAttemptAt > this.now()) continue;
      try {
        if (state.liveId) await this.d.api.discard(state.liveId);
        await this.store.delete(state.id);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof LiveHttpError && !err.retryable) {
          // Closed already: the server made a recording of it; deleting the call is the way then.
          console.warn('[cwn] live recording not discarded:', message);
          await this.store.delete(state.id);
        } else
          await this.store.update(state.id, (s) => ({
            ...s,
            lastError: message,
            nextAttemptAt: this.now() + RETRY_MS,
          }));
      }
    }
  }

  private async advance(call: TrackedCall, state: LiveState, final: boolean): Promise<void> {
    if (state.state === 'closed' || state.state === 'fallback' || state.state === 'discard') return;
    const key = call.key;
    const due = state.nextAttemptAt <= this.now();
    try {
      // 1. The live recording on the server.
      if (!state.liveId) {
        if (!due) return;
        const serverCallId = state.serverCallId ?? (await this.d.serverCallId(call));
        if (!serverCallId) return;
        const opened = await this.d.api.open(serverCallId);
        if (opened === 'unsupported') {
          await this.patch(key, { state: 'fallback', serverCallId, lastError: 'no live support' });
          return;
        }
        state = (await this.patch(key, {
          state: 'open',
          serverCallId,
          liveId: opened.id,
          sent: opened.offset,
          lastError: null,
        }))!;
      }
      // 2. The next batch, durable before it is sent.
      const sides = new Set(call.recorders.map((r) => r.side));
      const firstStart = Math.min(...call.recorders.map((r) => r.startedAt));
      if (final || sides.size === 2 || this.now() - firstStart > SIDE_WAIT_MS) {
        const t0 = state.t0 ?? firstStart;
        const startedAt = this.now();
        const produced = await this.d.produce({
          callKey: key,
          recorders: call.recorders.map((r) => ({
            pcId: r.pcId,
            side: r.side,
            startedAt: r.startedAt,
            open: !final && r.stoppedAt === null,
          })),
          finalDurationMs: final ? finalDurationMs(call, t0) : null,
        });
        if (!final) this.lastProduceMs = this.now() - startedAt;
        if (!produced.ok) {
          await this.patch(key, { lastError: `conversion: ${produced.error}` });
          return;
        }
        state = (await this.store.get(key))!;
      }
      // 3. What the server does not hold yet, from its offset.
      if (!due && state.lastError) return;
      state = (await this.send(call, state))!;
      if (state.state !== 'open') return;
      // 4. At hang-up, once everything is held: close.
      if (final && state.final && state.sent === state.produced && state.liveId) {
        const { recordingId } = await this.d.api.close(state.liveId, state.produced);
        await this.store.update(key, (s) => ({ ...s, state: 'closed', recordingId, tail: null }));
        await this.store.dropBelow(key, Number.MAX_SAFE_INTEGER);
        await this.d.closed(call, state.serverCallId!, recordingId);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof LiveHttpError && !err.retryable) {
        await this.patch(key, { state: 'fallback', lastError: message });
        if (final) await this.d.fallBack(call, message);
        return;
      }
      await this.patch(key, { lastError: message, nextAttemptAt: this.now() + RETRY_MS });
    }
  }

  private async send(call: TrackedCall, state: LiveState): Promise<LiveState | undefined> {
    const key = call.key;
    let sent = state.sent;
    for (let guard = 0; guard < 10_000 && sent < state.produced; guard++) {
      const [piece] = await this.store.piecesFrom(key, sent);
      if (!piece || piece.offset > sent) {
        // The server asks for audio no longer held here: the stream cannot be completed.
        await this.patch(key, { state: 'fallback', lastError: `no audio at offset ${sent}` });
        await this.d.fallBack(call, `the live stream lost audio at ${sent}`);
        return this.store.get(key);
      }
      const from = sent - piece.offset;
      const data = piece.data.slice(from, from + LIVE_MAX_APPEND_BYTES);
      const outcome = await this.d.api.append(state.liveId!, sent, data);
      if (outcome.kind === 'closed') {
        await this.patch(key, { state: 'fallback', lastError: 'the server closed the stream' });
        return this.store.get(key);
      }
      if (outcome.kind === 'mismatch' && outcome.expectedOffset > state.produced) {
        await this.patch(key, { state: 'fallback', lastError: 'the server holds more than sent' });
        return this.store.get(key);
      }
      sent = outcome.kind === 'ok' ? outcome.offset : outcome.expectedOffset;
      await this.patch(key, { sent, lastError: null });
      await this.store.dropBelow(key, sent);
    }
    return this.store.get(key);
  }
}
