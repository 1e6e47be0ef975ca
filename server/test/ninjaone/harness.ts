import { randomBytes, randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { io as connect, type Socket } from 'socket.io-client';
import type {
  Call,
  ClientToServerEvents,
  NinjaOneSettingsUpdate,
  Segment,
  ServerToClientEvents,
  TicketEvent,
  TicketJob,
  TokenPair,
} from '@cwn/protocol';
import {
  DEMO_M2M_CLIENT_ID,
  DEMO_M2M_CLIENT_SECRET,
  startNinjaOneSim,
  type NinjaOneSimOptions,
  type StartedSim,
} from '@cwn/ninjaone-sim';
import { createLogger } from '../../src/logger';
import type { TicketMaterial, TicketSource } from '../../src/tickets/ticket-source';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { migratedDatabase } from '@cwn/test-support/services';

/** Transcripts kept in memory: the transcripts table is another branch's (see TicketSource). */
export class MemoryTicketSource implements TicketSource {
  readonly items = new Map<string, TicketMaterial>();
  async load(transcriptId: string): Promise<TicketMaterial | null> {
    return this.items.get(transcriptId) ?? null;
  }
}

/** Response bodies are checked field by field in the tests (and parsed with protocol schemas). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ResponseBody = any;

export interface Harness {
  t: TestApp;
  sim: StartedSim;
  source: MemoryTicketSource;
  admin: TokenPair;
  agent: TokenPair;
  /** Every log line the server wrote (LOG_LEVEL debug). */
  logs: string[];
  /** Every ticket.* event the agent's socket received. */
  events: Array<{ event: 'ticket.created' | 'ticket.failed'; payload: TicketEvent }>;
  /** Every call.updated the agent's socket received. */
  callUpdates: Call[];
  /** Every HTTP response body the tests read through `api`. */
  responses: string[];
  /** Another server process on the same database and Redis prefix (a second replica). */
  replica(): Promise<TestApp>;
  api(
    method: 'get' | 'put' | 'post',
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: ResponseBody }>;
  close(): Promise<void>;
}

export async function startHarness(
  o: {
    sim?: NinjaOneSimOptions;
    fetch?: typeof fetch;
    /** Read transcripts from the transcripts table (SqlTicketSource) instead of memory. */
    sqlSource?: boolean;
  } = {},
): Promise<Harness> {
  const sim = await startNinjaOneSim(o.sim ?? {});
  const logs: string[] = [];
  const source = new MemoryTicketSource();
  // Settings are global and every app consumes the tickets queue: each harness gets its own
  // database and Redis prefix, so test files running in parallel never see each other's.
  const db = await migratedDatabase('ninjaone');
  const env = {
    LOG_LEVEL: 'debug',
    DATABASE_URL: db.url,
    REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-nj-${randomBytes(4).toString('hex')}`,
  };
  const replicas: TestApp[] = [];
  const t = await startTestApp(env, {
    logger: createLogger('debug', { write: (line: string) => void logs.push(line) }),
    ninjaone: {
      ...(o.sqlSource ? {} : { ticketSource: source }),
      ...(o.fetch ? { fetch: o.fetch } : {}),
    },
  });
  const admin = await t.userWithRole('admin');
  const agent = await t.userWithRole('agent');
  const responses: string[] = [];
  const events: Harness['events'] = [];
  const callUpdates: Call[] = [];
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(t.url(), {
    auth: { token: agent.accessToken },
    transports: ['websocket'],
    reconnection: false,
  });
  socket.on('ticket.created', (payload) => events.push({ event: 'ticket.created', payload }));
  socket.on('ticket.failed', (payload) => events.push({ event: 'ticket.failed', payload }));
  socket.on('call.updated', (call) => callUpdates.push(call));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    t,
    sim,
    source,
    admin,
    agent,
    logs,
    events,
    callUpdates,
    responses,
    async replica() {
      const r = await startTestApp(env, {
        logger: createLogger('debug', { write: (line: string) => void logs.push(line) }),
        ninjaone: { ticketSource: source, ticketWorker: false },
      });
      replicas.push(r);
      return r;
    },
    async api(method, path, body, token = admin.accessToken) {
      let req = t.http[method](path).set('Authorization', `Bearer ${token}`);
      if (body !== undefined) req = req.send(body as object);
      const res = await req;
      responses.push(res.text ?? '');
      return { status: res.status, body: res.body };
    },
    async close() {
      socket.disconnect();
      for (const r of replicas) await r.close();
      await t.close();
      await sim.close();
      await db.drop();
    },
  };
}

/** PUT the NinjaOne settings against the simulator (machine-to-machine app by default). */
export async function configure(h: Harness, patch: Partial<NinjaOneSettingsUpdate> = {}) {
  const res = await h.api('put', '/api/settings/ninjaone', {
    region: 'custom',
    baseUrl: h.sim.url,
    authMode: 'client_credentials',
    clientId: DEMO_M2M_CLIENT_ID,
    clientSecret: DEMO_M2M_CLIENT_SECRET,
    ...patch,
  });
  if (res.status !== 200)
    throw new Error(`configure failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export const seg = (speaker: Segment['speaker'], startMs: number, text: string): Segment => ({
  speaker,
  startMs,
  endMs: startMs + 2_000,
  text,
});

/** A call row and its validated transcript; returns the job the validation would queue. */
export async function validatedCall(
  h: Harness,
  o: { remoteNumber: string | null; segments?: Segment[]; organizationId?: number | null },
): Promise<TicketJob> {
  const call = await h.t.models.Call.create({
    id: randomUUID(),
    agentId: h.agent.user.id,
    direction: 'inbound',
    remoteNumber: o.remoteNumber,
    remoteName: null,
    pbxCallId: null,
    startedAt: new Date('2026-11-25T09:00:00Z'),
    answeredAt: new Date('2026-11-25T09:00:03Z'),
    endedAt: new Date('2026-11-25T09:04:10Z'),
    status: 'validated',
  });
  const transcriptId = randomUUID();
  h.source.items.set(transcriptId, {
    transcriptId,
    language: 'fr',
    segments: o.segments ?? [
      seg('agent', 0, 'Support informatique, bonjour.'),
      seg(
        'caller',
        2_500,
        'Bonjour, ma messagerie Outlook ne se synchronise plus depuis ce matin.',
      ),
    ],
    validatedAt: new Date('2026-11-25T09:10:00Z'),
    validatedBy: { id: h.agent.user.id, name: h.agent.user.displayName },
    call: {
      id: call.id,
      direction: 'inbound',
      remoteNumber: o.remoteNumber,
      remoteName: null,
      startedAt: call.startedAt,
      endedAt: call.endedAt,
      agent: { id: h.agent.user.id, name: h.agent.user.displayName },
    },
  });
  return {
    transcriptId,
    callId: call.id,
    requestedBy: h.agent.user.id,
    organizationId: o.organizationId ?? null,
  };
}

/** Queues a ticket job (fast fixed backoff) and waits until it completed or failed for good. */
export async function runTicketJob(
  h: Harness,
  job: TicketJob,
  attempts = 4,
): Promise<{ state: string; job: Job }> {
  const queued = await h.t.queues.tickets.add('ticket', job, {
    jobId: job.transcriptId,
    attempts,
    backoff: { type: 'fixed', delay: 100 },
  });
  const deadline = Date.now() + 25_000;
  for (;;) {
    const state = await queued.getState();
    if (state === 'completed' || state === 'failed') {
      const fresh = (await h.t.queues.tickets.getJob(queued.id!))!;
      return { state, job: fresh };
    }
    if (Date.now() > deadline) throw new Error(`ticket job still ${state} after 25 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for a ticket event about one transcript (events may trail the job by a few ms). */
export async function eventFor(
  h: Harness,
  transcriptId: string,
  event: 'ticket.created' | 'ticket.failed',
): Promise<TicketEvent> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const hit = h.events.find((e) => e.event === event && e.payload.transcriptId === transcriptId);
    if (hit) return hit.payload;
    if (Date.now() > deadline)
      throw new Error(`no ${event} for ${transcriptId}; got ${JSON.stringify(h.events)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const createRequests = (h: Harness) =>
  h.sim.sim.requests({ method: 'POST', path: '/v2/ticketing/ticket' });

/** Runs the authorization-code connection as an admin's browser would; returns the code used. */
export async function connectAuthorizationCode(h: Harness): Promise<string> {
  const start = await h.api('get', '/api/ninjaone/connect');
  if (start.status !== 200)
    throw new Error(`connect failed: ${start.status} ${JSON.stringify(start.body)}`);
  const signIn = await fetch(start.body.authorizeUrl as string, { redirect: 'manual' });
  const callback = new URL(signIn.headers.get('location')!);
  const back = await h.t.http.get(`${callback.pathname}${callback.search}`);
  if (!String(back.headers.location).endsWith('?connected=1')) {
    throw new Error(`callback failed: ${back.status} ${back.headers.location}`);
  }
  return callback.searchParams.get('code')!;
}
