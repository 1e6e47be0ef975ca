/**
 * @jest-environment @cwn/test-support/native-realm.jest-environment
 */
/*
 * (The server runs Silero VAD in this process: onnxruntime needs the process's typed arrays.)
 *
 * Live transcription end to end (issue 14, decision 1400), everything real: the server (createApp)
 * on PostgreSQL and Redis, the worker (whisper.cpp on the CPU, generated model), a supervisor's
 * Socket.IO client, and `npm run simulate-call -- --live` as its own process streaming a spoken
 * two-sided call. The supervisor sees segments while the call lasts and the final transcript after
 * the hang-up. Then the coverage check: the same audio uploaded whole (batch) is transcribed, and
 * the live transcript covers every utterance the batch one does, with no window twice.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import {
  Call,
  LiveRecording,
  LiveSegmentsEvent,
  TranscriptReadyEvent,
  type ClientToServerEvents,
  type Segment,
  type ServerToClientEvents,
  type Transcript,
} from '@cwn/protocol';
import { startTestApp, TEST_PASSWORD, uniqueEmail, type TestApp } from '@cwn/test-support/app';
import { migratedDatabase } from '@cwn/test-support/services';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import { encodeWav, msOf, place, speak } from '@cwn/test-support/worker-speech';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'scripts', 'src', 'simulate-call', 'cli.ts');
const SPEED = 2;

type Who = 'agent' | 'caller';
const LINES: Array<[Who, string]> = [
  ['agent', 'Good morning, help desk, this is Marc speaking. How can I help you today?'],
  ['caller', 'Hello, since this morning my printer shows a paper jam error.'],
  ['agent', 'Did you already open the front cover and check the paper tray?'],
  ['caller', 'Yes, I removed all the paper and restarted it twice.'],
  ['agent', 'All right, I will send a technician this afternoon.'],
  ['caller', 'Thank you very much, goodbye.'],
];

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let t: TestApp;
let worker: InProcessWorker | undefined;
let work: string;
let wavPath: string;
let wav: Buffer;
let agentEmail: string;
/** Where each line was spoken, in call time. */
const utterances: Array<{ who: Who; startMs: number; endMs: number }> = [];

beforeAll(async () => {
  db = await migratedDatabase('e2e_live');
  t = await startTestApp({
    DATABASE_URL: db.url,
    REDIS_PREFIX: `${process.env.CWN_E2E_TEST_REDIS_PREFIX ?? 'cwn-test-e2e'}-live`,
  });
  await t.transcriptionEvents.start();
  agentEmail = uniqueEmail('live-agent');
  await t.services.users.create({
    email: agentEmail,
    password: TEST_PASSWORD,
    role: 'agent',
    displayName: 'Live Agent',
  });
  worker = await startInProcessWorker(t, 'e2e-live');

  // one line after the other, 1.5 s pauses: each line a window of its own channel
  let at = 800;
  const parts: Record<Who, Array<{ atMs: number; pcm: Float32Array }>> = { agent: [], caller: [] };
  for (const [who, text] of LINES) {
    const pcm = speak(text, who === 'agent' ? 'en' : 'en+f3');
    parts[who].push({ atMs: at, pcm });
    utterances.push({ who, startMs: at, endMs: at + msOf(pcm) });
    at += msOf(pcm) + 1500;
  }
  wav = encodeWav([place(at, parts.agent), place(at, parts.caller)]);
  work = mkdtempSync(join(tmpdir(), 'cwn-e2e-live-'));
  wavPath = join(work, 'call.wav');
  writeFileSync(wavPath, wav);
});

afterAll(async () => {
  await worker?.stop();
  await t?.close();
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

async function supervisorSocket(): Promise<ClientSocket> {
  const pair = await t.userWithRole('supervisor');
  const socket: ClientSocket = io(t.url(), {
    auth: { token: pair.accessToken },
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** The PCM of a WAV (its data chunk). */
function pcmOf(buf: Buffer): Buffer {
  let off = 12;
  while (off + 8 <= buf.length) {
    const size = buf.readUInt32LE(off + 4);
    if (buf.toString('latin1', off, off + 4) === 'data')
      return buf.subarray(off + 8, off + 8 + size);
    off += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

/** The batch path: the agent reports the call ended and uploads the whole WAV; its transcript. */
async function batchTranscript(socket: ClientSocket): Promise<Transcript> {
  const login = await t.http
    .post('/api/auth/login')
    .send({ email: agentEmail, password: TEST_PASSWORD });
  const auth = { authorization: `Bearer ${login.body.accessToken as string}` };
  const now = Date.now();
  const created = await t.http
    .post('/api/calls')
    .set(auth)
    .send({
      direction: 'inbound',
      remoteNumber: '+33 6 12 34 56 78',
      pbxCallId: `e2e-live-batch-${now}`,
      startedAt: new Date(now - 60_000).toISOString(),
    });
  expect(created.status).toBe(201);
  const call = Call.parse(created.body);
  for (const event of ['answered', 'ended'] as const) {
    const r = await t.http
      .patch(`/api/calls/${call.id}`)
      .set(auth)
      .send({ event, at: new Date().toISOString() });
    expect(r.status).toBe(200);
  }
  const done = new Promise<Transcript>((resolve) =>
    socket.on('transcript.ready', (p) => {
      const r = TranscriptReadyEvent.parse(p);
      if (r.callId === call.id) resolve(r.transcript);
    }),
  );
  const sha256 = createHash('sha256').update(wav).digest('hex');
  const up = await t.http
    .post(`/api/upload-recording?callId=${call.id}&sha256=${sha256}`)
    .set(auth)
    .set('content-type', 'audio/wav')
    .set('idempotency-key', `e2e-live-batch-${call.id}`)
    .send(wav);
  expect(up.status).toBeLessThan(300);
  return done;
}

/** Utterances a transcript's segments touch (same speaker, overlapping in time), by index. */
const covered = (segments: Segment[]) =>
  utterances
    .map((u, i) =>
      segments.some((s) => s.speaker === u.who && s.endMs > u.startMs && s.startMs < u.endMs)
        ? i
        : -1,
    )
    .filter((i) => i >= 0);

describe('live transcription through simulate-call --live', () => {
  let liveEvents: Array<{ at: number; event: LiveSegmentsEvent }> = [];
  let ready: { at: number; transcript: Transcript } | undefined;
  let hungUpAt = 0;
  let callId = '';

  it('shows segments during the call and the final transcript after the hang-up', async () => {
    const socket = await supervisorSocket();
    liveEvents = [];
    const readies: Array<{ at: number; event: TranscriptReadyEvent }> = [];
    socket.on('transcript.live', (p) =>
      liveEvents.push({ at: performance.now(), event: LiveSegmentsEvent.parse(p) }),
    );
    socket.on('transcript.ready', (p) =>
      readies.push({ at: performance.now(), event: TranscriptReadyEvent.parse(p) }),
    );

    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        '--live',
        '--speed',
        String(SPEED),
        '--audio',
        wavPath,
        '--server',
        t.url(),
        '--email',
        agentEmail,
        '--password',
        TEST_PASSWORD,
        '--timeout',
        '120',
      ],
      { cwd: ROOT, env: { ...process.env, NODE_ENV: 'test' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!hungUpAt && out.includes('hanging up at')) hungUpAt = performance.now();
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    // a CLI that never finishes fails the test with what it printed, not with jest's timeout
    const killer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    clearTimeout(killer);
    socket.disconnect();
    if (code !== 0) throw new Error(`simulate-call --live exited ${code}:\n${out}`);

    callId = /call ([0-9a-f-]{36}) from/.exec(out)![1]!;
    liveEvents = liveEvents.filter((e) => e.event.callId === callId);
    ready = readies
      .filter((r) => r.event.callId === callId)
      .map((r) => ({ at: r.at, transcript: r.event.transcript }))[0];
    // during the call: segments reached the supervisor before the hang-up
    expect(liveEvents.length).toBeGreaterThan(0);
    expect(liveEvents[0]!.at).toBeLessThan(hungUpAt);
    expect(liveEvents.some((e) => e.event.segments.length > 0 && e.at < hungUpAt)).toBe(true);
    // after it: one final transcript, with both sides
    expect(readies.filter((r) => r.event.callId === callId)).toHaveLength(1);
    expect(ready!.at).toBeGreaterThan(hungUpAt);
    expect(new Set(ready!.transcript.segments.map((s) => s.speaker))).toEqual(
      new Set(['agent', 'caller']),
    );
    // what the CLI printed: live segments as they came, then the hang-up → final time
    expect(out).toMatch(/ live \[0:\d\d\.\d\] (agent|caller) /);
    expect(out).toMatch(/hangup_to_final_ms=\d+/);
    // the stored WAV is bit-exact with what was streamed
    const login = await t.http
      .post('/api/auth/login')
      .send({ email: agentEmail, password: TEST_PASSWORD });
    const auth = { authorization: `Bearer ${login.body.accessToken as string}` };
    const state = await t.http
      .get(`/api/live-recordings/${liveEvents[0]!.event.liveRecordingId}`)
      .set(auth);
    const recording = LiveRecording.parse(state.body);
    expect(recording).toMatchObject({ state: 'closed', cutOff: false, offset: pcmOf(wav).length });
    const audio = await t.http
      .get(`/api/recordings/${recording.recordingId}/audio`)
      .set(auth)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(audio.status).toBe(200);
    expect(Buffer.compare(pcmOf(audio.body as Buffer), pcmOf(wav))).toBe(0);
  });

  it('covers the same speech as the batch transcription, no window lost or transcribed twice', async () => {
    expect(ready).toBeDefined();
    // windows: one channel's never overlap, and each one's latest segments are in the final once
    const latest = new Map<string, LiveSegmentsEvent>();
    for (const { event } of liveEvents) latest.set(event.window.id, event);
    for (const who of ['agent', 'caller'] as const) {
      const ws = [...latest.values()]
        .map((e) => e.window)
        .filter((w) => w.channel === who)
        .sort((a, b) => a.startSample - b.startSample);
      for (let i = 1; i < ws.length; i++)
        expect(ws[i]!.startSample).toBeGreaterThanOrEqual(ws[i - 1]!.endSample);
    }
    const liveSegments = [...latest.values()].flatMap((e) => e.segments);
    const key = (s: Segment) => `${s.speaker}|${s.startMs}|${s.endMs}|${s.text}`;
    const finalKeys = ready!.transcript.segments.map(key).sort();
    expect(finalKeys).toEqual(liveSegments.map(key).sort());
    expect(new Set(finalKeys).size).toBe(finalKeys.length);

    // the batch path over the same audio
    const socket = await supervisorSocket();
    let batch: Transcript;
    try {
      batch = await batchTranscript(socket);
    } finally {
      socket.disconnect();
    }
    const batchCovered = covered(batch.segments);
    const liveCovered = covered(ready!.transcript.segments);
    expect(batchCovered.length).toBeGreaterThan(0);
    for (const i of batchCovered) expect(liveCovered).toContain(i);
    // every utterance lies inside one live window of its channel
    for (const u of utterances) {
      const holders = [...latest.values()].filter(
        (e) =>
          e.window.channel === u.who &&
          (e.window.endSample * 1000) / 16_000 > u.startMs &&
          (e.window.startSample * 1000) / 16_000 < u.endMs,
      );
      expect(holders.length).toBeGreaterThanOrEqual(1);
    }
  });
});
