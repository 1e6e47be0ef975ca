/**
 * Plays one call the way the extension reports it, without a browser: log in as an agent, report
 * the call (POST /api/calls, answered, ended), upload its WAV in one request, then follow it over
 * Socket.IO until the transcript is ready (or failed, or the timeout). Every answer from the server
 * is validated with the @cwn/protocol contracts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { z } from 'zod';
import {
  Call,
  ErrorBody,
  TokenPair,
  TranscriptFailedEvent,
  TranscriptProgressEvent,
  TranscriptReadyEvent,
  UploadRecordingResponse,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type Transcript,
} from '@cwn/protocol';

export interface SimulateOptions {
  /** The server, e.g. http://localhost:3000 */
  server: string;
  email: string;
  password: string;
  /** The call's audio: a 16 kHz stereo WAV (left agent, right caller). */
  wav: Buffer;
  /** The caller's number as the PBX shows it. */
  number: string;
  /** How long to wait for the transcript after the upload. */
  timeoutMs: number;
}

export interface SimulateResult {
  callId: string;
  recordingId: string;
  transcript: Transcript;
}

export class SimulateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulateError';
  }
}

/** The WAV's duration from its header (to date the call), or null when it is not a plain WAV. */
export function wavDurationMs(wav: Buffer): number | null {
  if (
    wav.length < 44 ||
    wav.toString('latin1', 0, 4) !== 'RIFF' ||
    wav.toString('latin1', 8, 12) !== 'WAVE'
  )
    return null;
  const byteRate = wav.readUInt32LE(28);
  return byteRate > 0 ? Math.round(((wav.length - 44) / byteRate) * 1000) : null;
}

const clock = (ms: number) =>
  `${Math.floor(ms / 60_000)}:${((ms % 60_000) / 1000).toFixed(1).padStart(4, '0')}`;

export function formatSegment(s: Transcript['segments'][number]): string {
  return `[${clock(s.startMs)}] ${s.speaker.padEnd(7)} ${s.text.trim()}`;
}

export function formatTranscript(t: Pick<Transcript, 'segments'>): string {
  return t.segments.map((s) => `  ${formatSegment(s)}`).join('\n');
}

export async function api<T>(
  o: Pick<SimulateOptions, 'server'>,
  what: string,
  path: string,
  init: RequestInit,
  schema: z.ZodType<T>,
  token?: string,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, o.server), {
      ...init,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.headers as Record<string, string>),
      },
    });
  } catch (err) {
    const cause =
      (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new SimulateError(
      `cannot reach the server at ${o.server} (${cause}); is npm start running?`,
    );
  }
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: reported below with the status
  }
  if (!res.ok) {
    const parsed = ErrorBody.safeParse(body);
    const message = parsed.success
      ? parsed.data.error.message
      : text.slice(0, 200) || res.statusText;
    throw new SimulateError(`${what} failed (HTTP ${res.status}): ${message}`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new SimulateError(`${what}: unexpected answer from the server: ${parsed.error.message}`);
  return parsed.data;
}

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** `reconnect`: keep the connection through a server restart (a live call outlives one). */
export async function connectSocket(
  o: Pick<SimulateOptions, 'server'>,
  token: string,
  reconnect = false,
): Promise<ClientSocket> {
  const socket: ClientSocket = io(o.server, {
    auth: { token },
    transports: ['websocket'],
    reconnection: reconnect,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new SimulateError('Socket.IO: no connection within 10 s')),
      10_000,
    );
    socket.once('connect', () => (clearTimeout(timer), resolve()));
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      reject(new SimulateError(`Socket.IO connection refused: ${err.message}`));
    });
  }).catch((err: unknown) => {
    socket.disconnect();
    throw err;
  });
  return socket;
}

/** Resolves with the call's transcript; progress goes to `log` as it comes. */
function followCall(
  socket: ClientSocket,
  callId: () => string | null,
  timeoutMs: number,
  log: (line: string) => void,
): { done: Promise<Transcript>; stop: () => void } {
  let stop = () => undefined as void;
  const done = new Promise<Transcript>((resolve, reject) => {
    let lastShown = '';
    const timer = setTimeout(
      () =>
        reject(
          new SimulateError(
            `no transcript within ${Math.round(timeoutMs / 1000)} s (is the worker running?)`,
          ),
        ),
      timeoutMs,
    );
    stop = () => clearTimeout(timer);
    socket.on('transcript.progress', (payload) => {
      const p = TranscriptProgressEvent.safeParse(payload);
      if (!p.success || p.data.callId !== callId()) return;
      const line = `${p.data.stage ?? 'working'} ${Math.round(p.data.percent)}%`;
      if (line !== lastShown) log(`  … ${(lastShown = line)}`);
    });
    socket.on('transcript.ready', (payload) => {
      const r = TranscriptReadyEvent.safeParse(payload);
      if (!r.success || r.data.callId !== callId()) return;
      clearTimeout(timer);
      resolve(r.data.transcript);
    });
    socket.on('transcript.failed', (payload) => {
      const f = TranscriptFailedEvent.safeParse(payload);
      if (!f.success || f.data.callId !== callId()) return;
      clearTimeout(timer);
      reject(new SimulateError(`transcription failed: ${f.data.reason}`));
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return;
      clearTimeout(timer);
      reject(new SimulateError(`Socket.IO connection lost (${reason})`));
    });
  });
  return { done, stop: () => stop() };
}

export const jsonPost = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Logs in as the agent; the access token. */
export async function login(
  o: Pick<SimulateOptions, 'server' | 'email' | 'password'>,
  log: (line: string) => void,
): Promise<string> {
  const pair = await api(
    o,
    'login',
    '/api/auth/login',
    jsonPost({ email: o.email, password: o.password }),
    TokenPair,
  );
  log(`logged in as ${pair.user.email} (${pair.user.role})`);
  return pair.accessToken;
}

export async function simulateCall(
  o: SimulateOptions,
  log: (line: string) => void = console.log,
): Promise<SimulateResult> {
  const json = jsonPost;
  const token = await login(o, log);

  const durationMs = wavDurationMs(o.wav) ?? 10_000;
  const endedAt = new Date();
  const answeredAt = new Date(endedAt.getTime() - durationMs);
  const startedAt = new Date(answeredAt.getTime() - 3_000);
  const call = await api(
    o,
    'creating the call',
    '/api/calls',
    json({
      direction: 'inbound',
      remoteNumber: o.number,
      remoteName: 'Simulated caller',
      pbxCallId: `simulate-${randomUUID()}`,
      startedAt: startedAt.toISOString(),
    }),
    Call,
    token,
  );
  log(`call ${call.id} from ${o.number} ringing`);
  for (const [event, at] of [
    ['answered', answeredAt],
    ['ended', endedAt],
  ] as const) {
    const patch = { ...json({ event, at: at.toISOString() }), method: 'PATCH' };
    await api(o, `marking the call ${event}`, `/api/calls/${call.id}`, patch, Call, token);
  }
  log(`call answered and ended (${(durationMs / 1000).toFixed(1)} s)`);

  // Listen before uploading: a short call can be transcribed before a late listener joins.
  const socket = await connectSocket(o, token);
  let uploadedCallId: string | null = null;
  const follow = followCall(socket, () => uploadedCallId, o.timeoutMs, log);
  follow.done.catch(() => undefined); // awaited below; not unhandled while the upload runs
  try {
    const sha256 = createHash('sha256').update(o.wav).digest('hex');
    const query = new URLSearchParams({ callId: call.id, sha256 });
    const uploaded = await api(
      o,
      'uploading the recording',
      `/api/upload-recording?${query}`,
      {
        method: 'POST',
        headers: { 'content-type': 'audio/wav', 'idempotency-key': `simulate-${call.id}` },
        body: new Uint8Array(o.wav),
      },
      UploadRecordingResponse,
      token,
    );
    uploadedCallId = uploaded.callId;
    log(
      `uploaded ${o.wav.length} bytes (recording ${uploaded.recording.id}); waiting for the transcript …`,
    );
    const transcript = await follow.done;
    log(
      `transcript ready (${transcript.model}, ${transcript.language}):\n${formatTranscript(transcript)}`,
    );
    return { callId: uploaded.callId, recordingId: uploaded.recording.id, transcript };
  } finally {
    follow.stop();
    socket.disconnect();
  }
}
