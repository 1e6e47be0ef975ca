import { UnrecoverableError } from 'bullmq';
import type { TicketJob } from '@cwn/protocol';
import type { ResolvedNinjaOneConfig } from '../ninjaone/config';
import { NinjaOneError } from '../ninjaone/errors';
import type { TicketMaterial } from './ticket-source';
import type { TicketFields, TicketRepository, TicketRow } from './ticket.repository';
import { TicketHeldError, TicketService, externalRefOf } from './ticket.service';

// The exactly-once rule of TicketService, without PostgreSQL or NinjaOne: the rows live in memory
// (the same TicketRepository the SQL one implements) and a fake NinjaOne keeps the tickets it made.

class MemoryTickets implements TicketRepository {
  readonly rows = new Map<string, TicketRow>();
  /** Each state a row was written with, in order (what a crash at any point would leave). */
  readonly writes: TicketFields['state'][] = [];

  async rowFor(job: TicketJob, externalRef: string): Promise<TicketRow> {
    let row = this.rows.get(job.transcriptId);
    if (!row) {
      const writes = this.writes;
      const fields: TicketFields = {
        transcriptId: job.transcriptId,
        callId: job.callId,
        requestedBy: job.requestedBy,
        state: 'pending',
        externalRef,
        organizationId: null,
        requesterUid: null,
        ninjaoneTicketId: null,
        failureReason: null,
        attempts: 0,
        createdTicketAt: null,
      };
      row = {
        ...fields,
        async update(patch) {
          Object.assign(this, patch);
          if (patch.state) writes.push(patch.state);
        },
      };
      this.rows.set(job.transcriptId, row);
    }
    return row;
  }

  async agentOf(): Promise<string | null> {
    return AGENT;
  }
}

type Fault = 'refuse' | 'down-before' | 'lost-answer' | null;

/** NinjaOne as far as ticket creation goes: its tickets, the "All tickets" board, and faults. */
class FakeNinjaOne {
  readonly tickets: { id: number; subject: string }[] = [];
  /** What the next ticket creation does: refuse (400), fail before creating, create and lose the answer. */
  faults: Fault[] = [];
  boardDown = false;
  creates = 0;

  async config(): Promise<ResolvedNinjaOneConfig> {
    return CONFIG;
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: { body?: unknown } = {},
  ): Promise<T> {
    const key = `${method} ${path}`;
    if (key === 'GET /ticketing/trigger/boards') {
      if (this.boardDown) throw new NinjaOneError('NinjaOne is down', { kind: 'retryable' });
      return [{ id: 3, name: 'All tickets' }] as T;
    }
    if (key === 'POST /ticketing/trigger/board/3/run') {
      const { searchCriteria } = options.body as { searchCriteria: string };
      const data = this.tickets.filter((t) => t.subject.includes(searchCriteria));
      return { data, metadata: {} } as T;
    }
    if (key === 'POST /ticketing/ticket') {
      this.creates++;
      const fault = this.faults.shift() ?? null;
      if (fault === 'refuse')
        throw new NinjaOneError('NinjaOne refused: invalid form', {
          kind: 'permanent',
          status: 400,
        });
      if (fault === 'down-before')
        throw new NinjaOneError('NinjaOne failed (503)', { kind: 'retryable', status: 503 });
      const ticket = {
        id: 100 + this.tickets.length,
        subject: (options.body as { subject: string }).subject,
      };
      this.tickets.push(ticket);
      if (fault === 'lost-answer')
        throw new NinjaOneError('NinjaOne timed out', { kind: 'retryable', ambiguous: true });
      return ticket as T;
    }
    throw new Error(`unexpected NinjaOne request ${key}`);
  }
}

const AGENT = '00000000-0000-4000-8000-0000000000a1';
const REQUESTER = '00000000-0000-4000-8000-0000000000b2';
const CONFIG: ResolvedNinjaOneConfig = {
  baseUrl: 'https://eu.ninjarmm.test',
  authMode: 'client_credentials',
  clientId: 'id',
  clientSecret: 'secret',
  ticketFormId: 1,
  statusId: '1000',
  priority: 'NONE',
  fallbackOrganizationId: 7,
  subjectTemplate: null,
  phoneRegion: 'FR',
  redirectUri: 'https://cwn.test/api/ninjaone/callback',
  fingerprint: 'f',
};

const job = (n = 1): TicketJob => ({
  transcriptId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  callId: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`,
  requestedBy: REQUESTER,
  organizationId: null,
});

const material = (j: TicketJob): TicketMaterial => ({
  transcriptId: j.transcriptId,
  language: 'fr',
  segments: [{ speaker: 'agent', startMs: 0, endMs: 1000, text: 'Bonjour' }],
  validatedAt: new Date('2026-01-01T10:00:00Z'),
  validatedBy: { id: REQUESTER, name: 'Val' },
  call: {
    id: j.callId,
    direction: 'inbound',
    remoteNumber: null,
    remoteName: null,
    startedAt: new Date('2026-01-01T09:00:00Z'),
    endedAt: new Date('2026-01-01T09:05:00Z'),
    agent: { id: AGENT, name: 'Agent' },
  },
});

function setup() {
  const tickets = new MemoryTickets();
  const ninjaone = new FakeNinjaOne();
  const events: { event: string; ticketId: number | null; userIds: string[] }[] = [];
  const moved: string[] = [];
  let notifyFails = 0;
  const service = new TicketService({
    tickets,
    client: ninjaone,
    directory: {
      ticketForms: async () => [],
      statuses: async () => [],
    },
    matcher: {
      match: async () => {
        throw new Error('no number, no lookup');
      },
    },
    source: {
      load: async (id) => (id.endsWith('999') ? null : material({ ...job(), transcriptId: id })),
    },
    publicUrl: 'https://cwn.test',
    logger: { info: () => undefined, warn: () => undefined } as never,
    notify: (event, payload, userIds) => {
      if (notifyFails > 0) {
        notifyFails--;
        throw new Error('socket adapter down');
      }
      events.push({ event, ticketId: payload.ticketId, userIds });
    },
    lifecycle: {
      tryMove: async (callId) => {
        if (moved.includes(callId)) return null;
        moved.push(callId);
        return { agentId: AGENT };
      },
    },
    now: () => new Date('2026-01-02T00:00:00Z'),
  });
  return {
    tickets,
    ninjaone,
    events,
    moved,
    service,
    failNotify: (n: number) => (notifyFails = n),
  };
}

const attempt = (number: number, last = false) => ({ number, last });

describe('TicketService: one NinjaOne ticket per validated transcript', () => {
  it('records creating before the create call and the id right after, then tells requester and agent', async () => {
    const s = setup();
    const j = job();
    const { ticketId } = await s.service.process(j, attempt(1));
    expect(s.ninjaone.tickets).toEqual([
      { id: ticketId, subject: expect.stringContaining(`[${externalRefOf(j.transcriptId)}]`) },
    ]);
    expect(s.tickets.writes).toEqual(['creating', 'created']);
    const row = s.tickets.rows.get(j.transcriptId)!;
    expect([row.state, row.ninjaoneTicketId, row.attempts, row.organizationId]).toEqual([
      'created',
      ticketId,
      1,
      7,
    ]);
    expect(s.moved).toEqual([j.callId]);
    expect(s.events).toEqual([{ event: 'ticket.created', ticketId, userIds: [REQUESTER, AGENT] }]);
  });

  it('a second delivery of a done job creates nothing and answers the same ticket', async () => {
    const s = setup();
    const first = await s.service.process(job(), attempt(1));
    const again = await s.service.process(job(), attempt(1));
    expect(again).toEqual(first);
    expect([s.ninjaone.creates, s.ninjaone.tickets.length]).toEqual([1, 1]);
  });

  it('after an answer lost on the way back, the retry finds the ticket by its reference instead of creating another', async () => {
    const s = setup();
    s.ninjaone.faults = ['lost-answer'];
    await expect(s.service.process(job(), attempt(1))).rejects.toThrow('timed out');
    // Ambiguous: the row stays 'creating', so the next attempt looks first.
    expect(s.tickets.rows.get(job().transcriptId)!.state).toBe('creating');
    const { ticketId } = await s.service.process(job(), attempt(2));
    expect([s.ninjaone.creates, s.ninjaone.tickets.map((t) => t.id)]).toEqual([1, [ticketId]]);
    expect(s.tickets.rows.get(job().transcriptId)!.state).toBe('created');
  });

  it('a retry that cannot look (NinjaOne down) waits rather than risk a duplicate', async () => {
    const s = setup();
    s.ninjaone.faults = ['lost-answer'];
    await expect(s.service.process(job(), attempt(1))).rejects.toThrow('timed out');
    s.ninjaone.boardDown = true;
    await expect(s.service.process(job(), attempt(2))).rejects.toThrow('down');
    expect(s.ninjaone.creates).toBe(1);
    expect(s.tickets.rows.get(job().transcriptId)!.state).toBe('creating');
  });

  it('a refusal created nothing: the row goes back to pending and, permanent, fails without retry', async () => {
    const s = setup();
    s.ninjaone.faults = ['refuse'];
    const err = await s.service.process(job(), attempt(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    const row = s.tickets.rows.get(job().transcriptId)!;
    expect(s.tickets.writes).toEqual(['creating', 'pending', 'failed']);
    expect(row.failureReason).toMatch(/invalid form/);
    expect(s.events).toEqual([
      { event: 'ticket.failed', ticketId: null, userIds: [REQUESTER, AGENT] },
    ]);
    expect(s.moved).toEqual([]);
  });

  it('a failure before creating is retried while attempts remain, then given up with the count', async () => {
    const s = setup();
    s.ninjaone.faults = ['down-before', 'down-before'];
    await expect(s.service.process(job(), attempt(1))).rejects.toThrow('503');
    expect(s.tickets.rows.get(job().transcriptId)!.failureReason).toMatch(
      /^attempt 1 failed, trying again/,
    );
    expect(s.events).toEqual([]);
    await expect(s.service.process(job(), attempt(2, true))).rejects.toThrow('503');
    expect(s.tickets.rows.get(job().transcriptId)!.failureReason).toMatch(
      /^gave up after 2 attempts/,
    );
    expect(s.ninjaone.tickets).toEqual([]);
  });

  it('a failing follow-up after the ticket is recorded is retried without a second ticket, even on the last attempt', async () => {
    const s = setup();
    s.failNotify(1);
    await expect(s.service.process(job(), attempt(1, true))).rejects.toThrow('socket adapter down');
    expect(s.tickets.rows.get(job().transcriptId)!.state).toBe('created');
    const { ticketId } = await s.service.process(job(), attempt(2, true));
    expect([s.ninjaone.creates, ticketId]).toEqual([1, s.ninjaone.tickets[0]!.id]);
    expect(s.events.map((e) => e.event)).toEqual(['ticket.created']);
  });

  it('NinjaOne not connected holds the job (no attempt used, no failure told)', async () => {
    const s = setup();
    s.ninjaone.config = async () => {
      throw new NinjaOneError('NinjaOne is not connected', {
        kind: 'permanent',
        code: 'not_connected',
      });
    };
    const err = await s.service.process(job(), attempt(1, true)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TicketHeldError);
    expect(s.tickets.rows.get(job().transcriptId)!.state).toBe('pending');
    expect(s.events).toEqual([]);
  });

  it('a missing transcript fails permanently', async () => {
    const s = setup();
    const j = { ...job(), transcriptId: '00000000-0000-4000-8000-000000000999' };
    await expect(s.service.process(j, attempt(1))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(s.ninjaone.creates).toBe(0);
  });

  it('randomised: whatever faults and repeated deliveries, at most one ticket, and exactly one once it succeeds', async () => {
    let seed = 1234;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const faults: Fault[] = ['down-before', 'lost-answer', null, null];
    for (let round = 0; round < 200; round++) {
      const s = setup();
      s.ninjaone.faults = Array.from(
        { length: 4 },
        () => faults[Math.floor(random() * faults.length)]!,
      );
      let done: number | null = null;
      for (let n = 1; n <= 8; n++) {
        if (random() < 0.3) s.failNotify(1);
        try {
          const { ticketId } = await s.service.process(job(round), attempt(n));
          done ??= ticketId;
          expect(ticketId).toBe(done);
        } catch {
          // retried by the queue
        }
        expect(s.ninjaone.tickets.length).toBeLessThanOrEqual(1);
      }
      expect(done).not.toBeNull();
      expect(s.ninjaone.tickets.map((t) => t.id)).toEqual([done]);
      // The row only ever moves forward once created.
      const states = s.tickets.writes;
      expect(states.slice(states.indexOf('created'))).toEqual(['created']);
    }
  });
});
