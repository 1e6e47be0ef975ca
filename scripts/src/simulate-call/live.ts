/**
 * `simulate-call --live`: plays a call the way a streaming client does (decision 1400). Logs in as
 * the agent, reports the call answered, opens a live recording, appends the WAV's PCM in time with
 * the call (`speed` times faster), follows `transcript.live` / `transcript.ready` over Socket.IO,
 * and at the end reports the call ended and closes the recording with its total length.
 *
 * Faults are the client's to survive: after a network error, a 5xx or a 409 `live_offset_mismatch`
 * it asks the server where it stands (`GET /api/live-recordings/:id`) and resends from there, so
 * nothing is lost or doubled whatever was acknowledged before the cut.
 */
import { randomUUID } from 'node:crypto';
import {
  Call,
  ErrorBody,
  LIVE_MAX_APPEND_BYTES,
  LiveAppendResult,
  LiveOffsetMismatch,
  LiveRecording,
  LiveSegmentsEvent,
  TranscriptFailedEvent,
  TranscriptReadyEvent,
  type LiveWindow,
  type Segment,
  type Transcript,
} from '@cwn/protocol';
import { z } from 'zod';
import {
  api,
  connectSocket,
  formatSegment,
  formatTranscript,
  jsonPost,
  login,
  SimulateError,
  type SimulateOptions,
} from './simulate';

export interface LiveSimulateOptions extends Omit<SimulateOptions, 'timeoutMs'> {
  /** 1 = real time; N = N times faster. */
  speed: number;
  /** Audio per append at the call's pace (the extension's chunk length). */
  chunkMs?: number;
  /** How long to wait for the final transcript after the hang-up. */
  finalTimeoutMs: number;
  /** Print each segment as it arrives (off for many calls at once). */
  printSegments?: boolean;
  /** Prefix of every printed line (the call's number when several play at once). */
  tag?: string;
  /** Give up when no request has succeeded for this long (default 120 s). */
  giveUpAfterMs?: number;
  /** An access token already held (several calls of one agent log in once). */
  token?: string;
  /**
   * Fault injection (tests): the `Upload-Offset` the `n`th append (from 0) declares instead of
   * `offset`, as a client that lost track would (a gap, a stale offset). The server's 409
   * `live_offset_mismatch` must bring it back to the expected offset.
   */
  declaredOffset?: (offset: number, n: number) => number;
}

export interface LiveSegmentsSeen {
  /** Wall-clock ms since the stream started. */
  atMs: number;
  window: LiveWindow;
  segments: Segment[];
  /** From the moment the server held the window's last byte to this event's arrival. */
  lagMs: number;
  /**
   * Per segment, from the moment the server held the segment's end (its speech end, in call time)
   * to this event's arrival: longer than `lagMs` for the first sentences of a grown window.
   */
  segmentLagsMs: number[];
}

export interface LiveSimulateResult {
  callId: string;
  liveRecordingId: string;
  audioMs: number;
  speed: number;
  /** Every transcript.live event of the call, in arrival order. */
  live: LiveSegmentsSeen[];
  transcript: Transcript;
  /** From the last byte acknowledged (the hang-up) to transcript.ready. */
  hangupToFinalMs: number;
  /** Resends from the server's offset after a fault. */
  resends: number;
}

const FRAME = 4;
const REQUEST_TIMEOUT_MS = 30_000;
const RATE = 16_000;

/** The PCM of a 16 kHz stereo s16 WAV (what a live recording takes), or a clear error. */
export function livePcmOfWav(wav: Buffer): Buffer {
  if (
    wav.length < 12 ||
    wav.toString('latin1', 0, 4) !== 'RIFF' ||
    wav.toString('latin1', 8, 12) !== 'WAVE'
  )
    throw new SimulateError('--live needs a RIFF/WAVE file');
  let off = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  while (off + 8 <= wav.length) {
    const id = wav.toString('latin1', off, off + 4);
    const size = wav.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ' && body + 16 <= wav.length) {
      fmt = {
        format: wav.readUInt16LE(body),
        channels: wav.readUInt16LE(body + 2),
        rate: wav.readUInt32LE(body + 4),
        bits: wav.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new SimulateError('WAV: data chunk before fmt chunk');
      if (fmt.format !== 1 || fmt.bits !== 16 || fmt.rate !== RATE || fmt.channels !== 2)
        throw new SimulateError(
          `--live streams 16 kHz 16-bit PCM stereo (left agent, right caller); this WAV is ${fmt.rate} Hz, ${fmt.bits}-bit, ${fmt.channels} channel(s), format ${fmt.format}`,
        );
      const end = Math.min(
        wav.length,
        size === 0 || size === 0xffffffff ? wav.length : body + size,
      );
      const data = wav.subarray(body, end);
      return data.subarray(0, data.length - (data.length % FRAME));
    }
    off = body + size + (size & 1);
  }
  throw new SimulateError('WAV: no data chunk');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

interface Answer {
  status: number;
  body: unknown;
  retryAfterS: number | null;
}

/** One request; a network error comes back as status 0 (the caller decides to retry). */
async function send(
  server: string,
  path: string,
  init: RequestInit,
  token: string,
): Promise<Answer> {
  try {
    const res = await fetch(new URL(path, server), {
      // a request the network swallowed is a network error: resend rather than wait forever
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const ra = Number(res.headers.get('retry-after'));
    return { status: res.status, body, retryAfterS: Number.isFinite(ra) && ra > 0 ? ra : null };
  } catch (err) {
    const cause =
      (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    return { status: 0, body: cause, retryAfterS: null };
  }
}

const errorOf = (a: Answer) => {
  const e = ErrorBody.safeParse(a.body);
  return e.success ? e.data.error : null;
};
const explain = (a: Answer) =>
  a.status === 0
    ? `network error (${String(a.body)})`
    : `HTTP ${a.status}${errorOf(a) ? ` ${errorOf(a)!.code}: ${errorOf(a)!.message}` : ''}`;
const transient = (a: Answer) =>
  a.status === 0 || a.status === 408 || a.status === 429 || a.status >= 500;

const ExistsDetails = z.object({
  id: z.string().optional(),
  liveRecordingId: z.string().optional(),
  expectedOffset: z.number().int().nonnegative().optional(),
});

export async function simulateLiveCall(
  o: LiveSimulateOptions,
  log: (line: string) => void = console.log,
): Promise<LiveSimulateResult> {
  if (!(o.speed > 0)) throw new SimulateError('--speed must be a positive number');
  const say = (line: string) => log(o.tag ? `${o.tag} ${line}` : line);
  const pcm = livePcmOfWav(o.wav);
  const audioMs = (pcm.length / FRAME / RATE) * 1000;
  const chunkBytes = Math.max(FRAME, Math.round(((o.chunkMs ?? 250) * RATE) / 1000) * FRAME);
  const token = o.token ?? (await login(o, say));

  const now = Date.now();
  const call = await api(
    o,
    'creating the call',
    '/api/calls',
    jsonPost({
      direction: 'inbound',
      remoteNumber: o.number,
      remoteName: 'Simulated caller',
      pbxCallId: `simulate-live-${randomUUID()}`,
      startedAt: new Date(now - 3_000).toISOString(),
    }),
    Call,
    token,
  );
  const patchCall = (event: 'answered' | 'ended') =>
    api(
      o,
      `marking the call ${event}`,
      `/api/calls/${call.id}`,
      { ...jsonPost({ event, at: new Date().toISOString() }), method: 'PATCH' },
      Call,
      token,
    );
  await patchCall('answered');
  say(
    `call ${call.id} from ${o.number} answered; streaming ${(audioMs / 1000).toFixed(1)} s at ${o.speed}× real time`,
  );

  // Listen before the first byte: a window can be transcribed within a second.
  const socket = await connectSocket(o, token, true);
  const live: LiveSegmentsSeen[] = [];
  /** [end offset, wall ms] of each acknowledged append, to date when a window's audio arrived. */
  const acks: Array<[number, number]> = [];
  let t0 = performance.now();
  const heldAt = (byte: number) => {
    for (const [end, at] of acks) if (end >= byte) return at;
    return performance.now();
  };
  let resolveFinal!: (t: Transcript) => void;
  let rejectFinal!: (e: Error) => void;
  const final = new Promise<Transcript>((res, rej) => ((resolveFinal = res), (rejectFinal = rej)));
  final.catch(() => undefined);
  socket.on('transcript.live', (payload) => {
    const e = LiveSegmentsEvent.safeParse(payload);
    if (!e.success || e.data.callId !== call.id) return;
    const arrived = performance.now();
    const windowEnd = e.data.window.endSample * FRAME;
    const lagMs = Math.max(0, arrived - heldAt(windowEnd));
    const segmentLagsMs = e.data.segments.map((seg) =>
      Math.max(0, arrived - heldAt(Math.min(windowEnd, Math.round(seg.endMs * 16) * FRAME))),
    );
    live.push({
      atMs: arrived - t0,
      window: e.data.window,
      segments: e.data.segments,
      lagMs,
      segmentLagsMs,
    });
    if (o.printSegments !== false) {
      for (const s of e.data.segments)
        say(`  live ${formatSegment(s)}  (+${(lagMs / 1000).toFixed(1)} s)`);
    }
  });
  socket.on('transcript.ready', (payload) => {
    const r = TranscriptReadyEvent.safeParse(payload);
    if (r.success && r.data.callId === call.id) resolveFinal(r.data.transcript);
  });
  socket.on('transcript.failed', (payload) => {
    const f = TranscriptFailedEvent.safeParse(payload);
    if (f.success && f.data.callId === call.id)
      rejectFinal(new SimulateError(`transcription failed: ${f.data.reason}`));
  });

  try {
    // open (a second open names the existing recording: resume it)
    let recordingId: string;
    let offset = 0;
    const opened = await send(
      o.server,
      `/api/calls/${call.id}/live`,
      jsonPost({ format: { sampleRate: RATE, channels: 2, encoding: 's16le' } }),
      token,
    );
    if (opened.status === 201 || opened.status === 200) {
      const r = LiveRecording.safeParse(opened.body);
      if (!r.success)
        throw new SimulateError(
          `opening the live recording: unexpected answer: ${r.error.message}`,
        );
      recordingId = r.data.id;
      offset = r.data.offset;
    } else if (opened.status === 409 && errorOf(opened)?.code === 'live_recording_exists') {
      const d = ExistsDetails.safeParse(errorOf(opened)!.details);
      const id = d.success ? (d.data.id ?? d.data.liveRecordingId) : undefined;
      if (!id) throw new SimulateError(`opening the live recording failed: ${explain(opened)}`);
      recordingId = id;
      offset = d.success ? (d.data.expectedOffset ?? 0) : 0;
    } else {
      throw new SimulateError(`opening the live recording failed: ${explain(opened)}`);
    }
    say(`live recording ${recordingId} open`);

    let resends = 0;
    let appends = 0;
    let backoffMs = 250;
    let lastProgress = performance.now();
    const giveUpAfterMs = o.giveUpAfterMs ?? 120_000;
    const stuck = (why: string) => {
      if (performance.now() - lastProgress > giveUpAfterMs)
        throw new SimulateError(
          `no progress for ${Math.round(giveUpAfterMs / 1000)} s, giving up (last: ${why})`,
        );
    };
    /** After a fault: where the server stands (retried until it answers). */
    const resync = async (why: string): Promise<number> => {
      resends++;
      for (;;) {
        stuck(why);
        const st = await send(
          o.server,
          `/api/live-recordings/${recordingId}`,
          { method: 'GET' },
          token,
        );
        const r = st.status === 200 ? LiveRecording.safeParse(st.body) : null;
        if (r?.success) {
          say(`  ${why}: resending from byte ${r.data.offset}`);
          return r.data.offset;
        }
        if (!transient(st)) throw new SimulateError(`live recording state: ${explain(st)}`);
        await sleep(backoffMs);
        backoffMs = Math.min(5_000, backoffMs * 2);
      }
    };
    /** Handles a refused or failed request; returns the offset to go on from. */
    const recover = async (a: Answer, what: string): Promise<number> => {
      const err = errorOf(a);
      if (a.status === 409 && err?.code === 'live_offset_mismatch') {
        const d = LiveOffsetMismatch.safeParse(err.details);
        if (!d.success) return resync(`${what}: ${explain(a)}`);
        resends++;
        say(`  ${what}: ${explain(a)}: resending from byte ${d.data.expectedOffset}`);
        return d.data.expectedOffset;
      }
      if (!transient(a)) throw new SimulateError(`${what} failed: ${explain(a)}`);
      stuck(`${what}: ${explain(a)}`);
      await sleep(a.retryAfterS ? a.retryAfterS * 1000 : backoffMs);
      backoffMs = Math.min(5_000, backoffMs * 2);
      return resync(`${what}: ${explain(a)}`);
    };

    // stream at the call's pace: what is due by now, at most one append's worth at a time
    t0 = performance.now();
    const dueBytes = () => {
      const elapsedAudioMs = (performance.now() - t0) * o.speed;
      const chunks = Math.floor(elapsedAudioMs / ((chunkBytes / FRAME / RATE) * 1000));
      return Math.min(pcm.length, chunks * chunkBytes);
    };
    while (offset < pcm.length) {
      const due = dueBytes();
      if (offset >= due) {
        const next = Math.min(pcm.length, due + chunkBytes);
        const atMs = (next / FRAME / RATE) * 1000;
        await sleep(atMs / o.speed - (performance.now() - t0));
        continue;
      }
      const end = Math.min(due, offset + LIVE_MAX_APPEND_BYTES);
      const declared = o.declaredOffset ? o.declaredOffset(offset, appends) : offset;
      appends++;
      const a = await send(
        o.server,
        `/api/live-recordings/${recordingId}/audio`,
        {
          method: 'PUT',
          headers: {
            'content-type': 'application/octet-stream',
            'upload-offset': String(declared),
          },
          body: new Uint8Array(pcm.subarray(offset, end)),
        },
        token,
      );
      if (a.status === 200) {
        const r = LiveAppendResult.safeParse(a.body);
        if (!r.success) throw new SimulateError(`append: unexpected answer: ${r.error.message}`);
        offset = r.data.offset;
        acks.push([offset, performance.now()]);
        backoffMs = 250;
        lastProgress = performance.now();
      } else {
        offset = await recover(a, 'append');
      }
    }

    // hang-up: the last byte is held; report the end, close with the total length
    const hangupAt = performance.now();
    // said before the close: the final transcript may be announced while the close is answered
    say(`hanging up at ${pcm.length} bytes …`);
    await patchCall('ended');
    for (;;) {
      const c = await send(
        o.server,
        `/api/live-recordings/${recordingId}/close`,
        jsonPost({ totalBytes: pcm.length }),
        token,
      );
      if (c.status === 200) break;
      offset = await recover(c, 'close');
      while (offset < pcm.length) {
        const end = Math.min(pcm.length, offset + LIVE_MAX_APPEND_BYTES);
        const a = await send(
          o.server,
          `/api/live-recordings/${recordingId}/audio`,
          {
            method: 'PUT',
            headers: {
              'content-type': 'application/octet-stream',
              'upload-offset': String(offset),
            },
            body: new Uint8Array(pcm.subarray(offset, end)),
          },
          token,
        );
        offset =
          a.status === 200 ? LiveAppendResult.parse(a.body).offset : await recover(a, 'append');
      }
    }
    say(
      `hung up; closed the live recording at ${pcm.length} bytes; waiting for the final transcript …`,
    );
    const timer = setTimeout(
      () =>
        rejectFinal(
          new SimulateError(
            `no final transcript within ${Math.round(o.finalTimeoutMs / 1000)} s of the hang-up`,
          ),
        ),
      o.finalTimeoutMs,
    );
    let transcript: Transcript;
    try {
      transcript = await final;
    } finally {
      clearTimeout(timer);
    }
    const hangupToFinalMs = Math.round(performance.now() - hangupAt);
    say(
      `final transcript ready ${(hangupToFinalMs / 1000).toFixed(1)} s after the hang-up (${transcript.model}, ${live.length} live windows, ${resends} resends)` +
        (o.printSegments !== false ? `:\n${formatTranscript(transcript)}` : ''),
    );
    say(`hangup_to_final_ms=${hangupToFinalMs}`);
    return {
      callId: call.id,
      liveRecordingId: recordingId,
      audioMs,
      speed: o.speed,
      live,
      transcript,
      hangupToFinalMs,
      resends,
    };
  } finally {
    socket.disconnect();
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

/**
 * `--concurrent N`: N agents at once, each its own call; `{n}` in the e-mail becomes 1..N (one
 * agent each), without it every call is the same agent's. A summary line per call and overall.
 */
export async function simulateLiveCalls(
  o: LiveSimulateOptions,
  n: number,
  log: (line: string) => void = console.log,
): Promise<LiveSimulateResult[]> {
  if (n === 1) return [await simulateLiveCall(o, log)];
  // one agent for every call: log in once (the server limits logins per account)
  const token = o.email.includes('{n}') ? undefined : await login(o, log);
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      simulateLiveCall(
        {
          ...o,
          token,
          email: o.email.replaceAll('{n}', String(i + 1)),
          tag: `#${i + 1}`,
          printSegments: o.printSegments ?? false,
        },
        log,
      ),
    ),
  );
  const lags = results.flatMap((r) => r.live.map((l) => l.lagMs));
  const finals = results.map((r) => r.hangupToFinalMs);
  log(
    `${n} calls: hang-up → final p50 ${percentile(finals, 50)} ms, max ${Math.max(...finals)} ms; lag p50 ${Math.round(percentile(lags, 50))} ms, p95 ${Math.round(percentile(lags, 95))} ms over ${lags.length} windows`,
  );
  return results;
}
