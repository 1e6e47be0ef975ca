import { Redis } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import type {
  CallStatus,
  ClientToServerEvents,
  ServerEventName,
  ServerToClientEvents,
  TokenPair,
  TranscriptionResult,
} from '@cwn/protocol';
import { serverEventSchemas, Transcript, type Segment } from '@cwn/protocol';
import type { Models } from '../../server/src/db/models';
import type { TestApp } from './app';
import { TEST_REDIS_URL } from './services';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A call and its recording as the upload leaves them (the ingest API is not needed here). */
export async function seedCallWithRecording(
  models: Models,
  agentId: string,
  opts: { status?: CallStatus; durationMs?: number } = {},
): Promise<{ callId: string; recordingId: string }> {
  const callId = crypto.randomUUID();
  const recordingId = crypto.randomUUID();
  const startedAt = new Date(Date.now() - 60_000);
  await models.Call.create({
    id: callId,
    agentId,
    direction: 'inbound',
    remoteNumber: '+33612345678',
    remoteName: null,
    pbxCallId: `pbx-${callId}`,
    startedAt,
    answeredAt: startedAt,
    endedAt: new Date(),
    status: opts.status ?? 'queued',
  });
  await models.Recording.create({
    id: recordingId,
    callId,
    agentId,
    channels: 2,
    sampleRate: 16_000,
    durationMs: opts.durationMs ?? 5_000,
    sizeBytes: 160_044,
    sha256: 'a'.repeat(64),
    keyId: 'k1',
    idempotencyKey: `idem-${recordingId}`,
    purgedAt: null,
  });
  return { callId, recordingId };
}

/** A result shaped like the worker's: agent and caller segments in time order. */
export function sampleResult(overrides: Partial<TranscriptionResult> = {}): TranscriptionResult {
  return {
    language: 'fr',
    segments: [
      { speaker: 'agent', startMs: 0, endMs: 1_200, text: 'Support informatique, bonjour.' },
      { speaker: 'caller', startMs: 1_400, endMs: 3_000, text: 'Mon imprimante ne marche plus.' },
      { speaker: 'agent', startMs: 3_200, endMs: 4_500, text: 'Je regarde tout de suite.' },
    ],
    model: 'test-model',
    engine: 'whisper.cpp (test)',
    timings: { fetchMs: 3, decodeMs: 1, transcribeMs: 40, totalMs: 44 },
    ...overrides,
  };
}

export function bullConnection(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
}

export function dial(url: string, token: string): ClientSocket {
  return connect(url, { auth: { token }, transports: ['websocket'], reconnection: false });
}

export function connected(s: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
}

/** Records every payload of the given events, each checked against its protocol schema. */
export function recordEvents(s: ClientSocket, names: ServerEventName[]) {
  const got: { name: ServerEventName; payload: unknown }[] = [];
  for (const name of names) {
    (s as unknown as Socket).on(name, (payload: unknown) => {
      got.push({ name, payload: serverEventSchemas[name].parse(payload) });
    });
  }
  return {
    all: got,
    of: <T = Record<string, unknown>>(name: ServerEventName) =>
      got.filter((e) => e.name === name).map((e) => e.payload as T),
  };
}

export { eventually } from './eventually';

/** A stored draft transcript on a call of `owner`, as the transcription events leave it. */
export async function draftTranscript(t: TestApp, owner: TokenPair): Promise<Transcript> {
  const { recordingId } = await seedCallWithRecording(t.models, owner.user.id, {
    status: 'transcribing',
  });
  const state = (await t.services.transcripts.recordingStates([recordingId])).get(recordingId)!;
  expect(await t.services.transcripts.persistResult(state, sampleResult())).toBe('stored');
  const row = await t.models.Transcript.findOne({ where: { recordingId } });
  const res = await t.http
    .get(`/api/transcripts/${row!.id}`)
    .set('Authorization', `Bearer ${owner.accessToken}`);
  return Transcript.parse(res.body);
}

/** The segments with the second one's text replaced (a manager's correction). */
export const corrected = (segments: Segment[], text: string): Segment[] =>
  segments.map((s, i) => (i === 1 ? { ...s, text } : s));
