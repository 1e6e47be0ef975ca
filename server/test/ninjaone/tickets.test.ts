import { TicketEvent, TicketStatus } from '@cwn/protocol';
import {
  configure,
  createRequests,
  eventFor,
  runTicketJob,
  seg,
  startHarness,
  validatedCall,
  type Harness,
} from './harness';
import { TicketService } from '../../src/tickets/ticket.service';
import { SqlTicketRepository } from '../../src/tickets/ticket.repository';

/** The ticket job against the NinjaOne simulator over real HTTP, Redis (BullMQ) and PostgreSQL. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await configure(h);
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  h.sim.sim.configure({ clientCredentialsCannotWrite: false });
  h.sim.sim.clearFaults();
  h.sim.sim.clearRequests();
  await configure(h);
});

const row = (transcriptId: string) => h.t.models.Ticket.findOne({ where: { transcriptId } });
const simTickets = (ref: string) =>
  h.sim.sim.tickets().filter((t) => t.subject.includes(`[${ref}]`));

describe('ticket job (client credentials)', () => {
  it('creates one ticket for the matched organization with the redacted, speaker-labelled transcript', async () => {
    const job = await validatedCall(h, {
      remoteNumber: '06 12 34 56 78',
      segments: [
        seg('agent', 0, 'Support, bonjour.'),
        seg(
          'caller',
          3_000,
          'Ma carte bancaire c’est 4111 1111 1111 1111 et mon mot de passe est soleil123.',
        ),
      ],
    });
    const { state, job: done } = await runTicketJob(h, job);
    expect(state).toBe('completed');

    const r = (await row(job.transcriptId))!;
    expect(r.state).toBe('created');
    expect(done.returnvalue).toEqual({ ticketId: r.ninjaoneTicketId });
    const [ticket] = simTickets(r.externalRef);
    expect(ticket).toMatchObject({
      id: r.ninjaoneTicketId,
      clientId: 1,
      requesterUid: 'c0000000-0000-4000-8000-000000000101',
    });
    expect(ticket!.subject).toMatch(/^Call from Sophie Dupont: /);

    const [create] = createRequests(h);
    const body = create!.body as {
      status: unknown;
      description: { public: boolean; body: string; htmlBody: string };
    };
    expect(typeof body.status).toBe('string');
    expect(body.description).toMatchObject({ public: false });
    expect(body.description.body).toContain('[00:03] Caller: Ma carte bancaire');
    expect(body.description.body).toContain(`http://127.0.0.1:3000/calls/${job.callId}`);
    expect(body.description.htmlBody).toContain('<strong>Agent:</strong> Support, bonjour.');
    expect(JSON.stringify(body)).not.toMatch(/4111|soleil123/);

    expect((await h.t.models.Call.findByPk(job.callId))!.status).toBe('ticketed');
    const event = TicketEvent.parse(await eventFor(h, job.transcriptId, 'ticket.created'));
    expect(h.callUpdates).toContainEqual(
      expect.objectContaining({ id: job.callId, status: 'ticketed' }),
    );
    expect(event).toMatchObject({ callId: job.callId, ticketId: r.ninjaoneTicketId });
    expect(event.ticketUrl).toBe(`${h.sim.url}/#/ticketing/ticket/${r.ninjaoneTicketId}`);
  });

  it('a job run again for a ticketed transcript creates nothing new', async () => {
    const job = await validatedCall(h, { remoteNumber: '+33 6 12 34 56 78' });
    expect((await runTicketJob(h, job)).state).toBe('completed');
    await h.t.queues.tickets.remove(job.transcriptId);
    expect((await runTicketJob(h, job)).state).toBe('completed');
    expect(createRequests(h)).toHaveLength(1);
  });

  it('renews an access token that expired mid-run (401 → one renewal, one retry)', async () => {
    const first = await validatedCall(h, { remoteNumber: '0033611223344' });
    expect((await runTicketJob(h, first)).state).toBe('completed');
    h.sim.sim.advanceClock(3_700); // the cached token is now dead on the simulator's side
    h.sim.sim.clearRequests();
    const second = await validatedCall(h, { remoteNumber: '0033611223344' });
    expect((await runTicketJob(h, second)).state).toBe('completed');
    const unauthorized = h.sim.sim.requests().filter((e) => e.status === 401);
    expect(unauthorized.length).toBeGreaterThanOrEqual(1);
    const tokenCalls = h.sim.sim.requests({ method: 'POST', path: '/ws/oauth/token' });
    expect(tokenCalls).toHaveLength(1);
    expect(String((tokenCalls[0]!.body as Record<string, string>).scope)).not.toContain(
      'offline_access',
    );
    expect(createRequests(h).filter((e) => e.status === 200)).toHaveLength(1);
    expect((await row(second.transcriptId))!.organizationId).toBe(2);
  });

  it('client credentials refused for tickets → a permanent failure telling the admin to use the code flow', async () => {
    h.sim.sim.configure({ clientCredentialsCannotWrite: true });
    const job = await validatedCall(h, { remoteNumber: '06 12 34 56 78' });
    const { state, job: done } = await runTicketJob(h, job);
    expect(state).toBe('failed');
    expect(done.attemptsMade).toBe(1); // not retried
    const r = (await row(job.transcriptId))!;
    expect(r.state).toBe('failed');
    expect(r.failureReason).toMatch(/user_context_required/);
    expect(r.failureReason).toMatch(/authorization code.*Connect NinjaOne/);
    const event = await eventFor(h, job.transcriptId, 'ticket.failed');
    expect(event.message).toBe(r.failureReason);
    expect(h.sim.sim.tickets().filter((t) => t.subject.includes(r.externalRef))).toHaveLength(0);
  });

  it('429 with Retry-After: waits as told, then one ticket', async () => {
    h.sim.sim.injectFault({
      route: 'POST /v2/ticketing/ticket',
      status: 429,
      headers: { 'Retry-After': '1' },
      body: { resultCode: 'TOO_MANY_REQUESTS' },
    });
    const job = await validatedCall(h, { remoteNumber: '06 12 34 56 78' });
    const started = Date.now();
    expect((await runTicketJob(h, job)).state).toBe('completed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    const creates = createRequests(h);
    expect(creates.map((c) => c.status)).toEqual([429, 200]);
    expect(simTickets((await row(job.transcriptId))!.externalRef)).toHaveLength(1);
  });

  it('500 before creating: retried by the queue, one ticket', async () => {
    h.sim.sim.injectFault({
      route: 'POST /v2/ticketing/ticket',
      status: 500,
      body: { resultCode: 'FAILURE', errorMessage: 'NullPointerException' },
    });
    const job = await validatedCall(h, { remoteNumber: '06 12 34 56 78' });
    const { state, job: done } = await runTicketJob(h, job);
    expect(state).toBe('completed');
    expect(done.attemptsMade).toBe(2);
    expect(createRequests(h).map((c) => c.status)).toEqual([500, 200]);
    expect(simTickets((await row(job.transcriptId))!.externalRef)).toHaveLength(1);
  });

  it('500 AFTER NinjaOne created the ticket: the retry finds it instead of creating a second one', async () => {
    h.sim.sim.injectFault({
      route: 'POST /v2/ticketing/ticket',
      status: 500,
      phase: 'after',
      body: { resultCode: 'FAILURE' },
    });
    const job = await validatedCall(h, { remoteNumber: '06 12 34 56 78' });
    expect((await runTicketJob(h, job)).state).toBe('completed');
    const r = (await row(job.transcriptId))!;
    expect(createRequests(h)).toHaveLength(1);
    const found = simTickets(r.externalRef);
    expect(found).toHaveLength(1);
    expect(r.ninjaoneTicketId).toBe(found[0]!.id);
    expect(
      h.sim.sim.requests({ method: 'POST', path: '/v2/ticketing/trigger/board/:id/run' }),
    ).toHaveLength(1);
  });

  it('when the lookup for an interrupted create fails for a while, it waits rather than creating a second ticket', async () => {
    h.sim.sim.injectFault({
      route: 'POST /v2/ticketing/ticket',
      status: 500,
      phase: 'after',
      body: { resultCode: 'FAILURE' },
    });
    h.sim.sim.injectFault({ route: 'POST /v2/ticketing/trigger/board/:id/run', status: 503 });
    const job = await validatedCall(h, { remoteNumber: '06 12 34 56 78' });
    const { state, job: done } = await runTicketJob(h, job);
    expect(state).toBe('completed');
    expect(done.attemptsMade).toBe(3);
    expect(createRequests(h)).toHaveLength(1);
    expect(simTickets((await row(job.transcriptId))!.externalRef)).toHaveLength(1);
  });

  it('a 400 validation error is stored as the failure reason and emitted, with the API’s message', async () => {
    await configure(h, { ticketFormId: 2 }); // the simulator's inactive form
    const job = await validatedCall(h, { remoteNumber: '06 12 34 56 78' });
    const { state, job: done } = await runTicketJob(h, job);
    expect(state).toBe('failed');
    expect(done.attemptsMade).toBe(1);
    const r = (await row(job.transcriptId))!;
    expect(r.state).toBe('failed');
    expect(r.failureReason).toMatch(
      /^NinjaOne refused POST \/ticketing\/ticket \(400\): ticketFormId: /,
    );
    expect((await eventFor(h, job.transcriptId, 'ticket.failed')).message).toBe(r.failureReason);
    expect((await h.t.models.Call.findByPk(job.callId))!.status).toBe('validated');
  });

  it('no match and no fallback → "choose an organization"; a manual choice or the fallback then works', async () => {
    const unknown = await validatedCall(h, { remoteNumber: '+33 7 00 00 00 01' });
    expect((await runTicketJob(h, unknown)).state).toBe('failed');
    expect((await row(unknown.transcriptId))!.failureReason).toMatch(
      /no NinjaOne organization matches .* choose an organization/,
    );

    const ambiguous = await validatedCall(h, { remoteNumber: '01 40 00 00 00' });
    expect((await runTicketJob(h, ambiguous)).state).toBe('failed');
    expect((await row(ambiguous.transcriptId))!.failureReason).toMatch(
      /several NinjaOne organizations \(.*Cabinet Martin Avocats.*Mairie de Saint-Égrève.*\)/,
    );

    const chosen = await validatedCall(h, { remoteNumber: '01 40 00 00 00', organizationId: 5 });
    expect((await runTicketJob(h, chosen)).state).toBe('completed');
    const c = (await row(chosen.transcriptId))!;
    expect(c.organizationId).toBe(5);
    expect(c.requesterUid).toBe('e0000000-0000-4000-8000-000000000205');

    await configure(h, { fallbackOrganizationId: 3 });
    const fallback = await validatedCall(h, { remoteNumber: null });
    expect((await runTicketJob(h, fallback)).state).toBe('completed');
    expect((await row(fallback.transcriptId))!.organizationId).toBe(3);
  });
});

describe('ticket job giving up', () => {
  it('after the last attempt of repeated 5xx: failed with the reason, ticket.failed emitted, still "creating" so a later run checks first', async () => {
    h.sim.sim.injectFault({
      route: 'POST /v2/ticketing/ticket',
      status: 502,
      count: 5,
      body: { resultCode: 'FAILURE' },
    });
    const job = await validatedCall(h, { remoteNumber: '06 12 34 56 78' });
    const { state, job: done } = await runTicketJob(h, job, 2);
    expect(state).toBe('failed');
    expect(done.attemptsMade).toBe(2);
    const r = (await row(job.transcriptId))!;
    expect(r.state).toBe('creating');
    expect(r.failureReason).toMatch(/^gave up after 2 attempts: NinjaOne failed \(502/);
    expect((await eventFor(h, job.transcriptId, 'ticket.failed')).message).toBe(r.failureReason);
  });
});

describe('ticket status and retry', () => {
  it('shows a failure to the agent, who retries with a chosen organization and gets the ticket', async () => {
    const job = await validatedCall(h, { remoteNumber: '+33 7 00 00 00 02' });
    expect((await runTicketJob(h, job)).state).toBe('failed');
    const path = `/api/transcripts/${job.transcriptId}/ticket`;
    const agentToken = h.agent.accessToken;

    const failed = TicketStatus.parse((await h.api('get', path, undefined, agentToken)).body);
    expect(failed).toMatchObject({ state: 'failed', ticketId: null, ticketUrl: null });
    expect(failed.failureReason).toMatch(/choose an organization and retry/);
    const other = await h.t.userWithRole('agent');
    // Another agent's call is not revealed: 404.
    expect((await h.api('get', path, undefined, other.accessToken)).status).toBe(404);
    expect((await h.api('post', path, { organizationId: 3 }, other.accessToken)).status).toBe(404);

    const retry = await h.api('post', path, { organizationId: 3 }, agentToken);
    expect(retry.status).toBe(202);
    const created = await eventFor(h, job.transcriptId, 'ticket.created');
    const done = TicketStatus.parse((await h.api('get', path, undefined, agentToken)).body);
    expect(done).toMatchObject({
      state: 'created',
      ticketId: created.ticketId,
      organizationId: 3,
      failureReason: null,
    });
    expect(done.ticketUrl).toBe(`${h.sim.url}/#/ticketing/ticket/${created.ticketId}`);

    const again = await h.api('post', path, {}, agentToken);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already exists in NinjaOne \(#\d+\)/);
    expect(
      (await h.api('get', '/api/transcripts/00000000-0000-4000-8000-000000000000/ticket')).status,
    ).toBe(404);
  });
});

describe('after the ticket is recorded', () => {
  it('a failing follow-up (event, call status) is retried without creating a second ticket', async () => {
    let failNotify = true;
    const service = new TicketService({
      tickets: new SqlTicketRepository(h.t.models),
      client: h.t.ninjaone.client,
      directory: h.t.ninjaone.directory,
      matcher: h.t.ninjaone.matcher,
      source: h.source,
      publicUrl: 'http://127.0.0.1:3000',
      logger: h.t.logger,
      lifecycle: h.t.calls.lifecycle,
      notify: () => {
        if (failNotify) {
          failNotify = false;
          throw new Error('socket adapter down');
        }
      },
    });
    const job = await validatedCall(h, { remoteNumber: '06 12 34 56 78' });
    // Even on what the queue thought was the last attempt, the row must stay 'created'.
    await expect(service.process(job, { number: 1, last: true })).rejects.toThrow(
      'socket adapter down',
    );
    expect((await row(job.transcriptId))!.state).toBe('created');
    const second = await service.process(job, { number: 2, last: true });
    expect(second.ticketId).toBe((await row(job.transcriptId))!.ninjaoneTicketId);
    expect(createRequests(h)).toHaveLength(1);
  });
});
