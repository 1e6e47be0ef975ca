import {
  configure,
  createRequests,
  runTicketJob,
  startHarness,
  validatedCall,
  type Harness,
} from './harness';

/**
 * The process dies right after NinjaOne created the ticket, before the ticket id is recorded:
 * a fetch that lets the create reach the simulator and then throws, as a crash would lose the
 * answer. The retried job must find the ticket, not create a second one.
 */
let h: Harness;
let crashNextCreate = false;
const rowStatesAtCreate: string[] = [];

beforeAll(async () => {
  h = await startHarness({
    fetch: async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const isCreate = init?.method === 'POST' && url.endsWith('/v2/ticketing/ticket');
      if (isCreate) {
        // The idempotency record must say 'creating' before the call leaves.
        const row = await h.t.models.Ticket.findOne({ order: [['updatedAt', 'DESC']] });
        rowStatesAtCreate.push(`${row?.state}:${row?.ninjaoneTicketId ?? 'none'}`);
      }
      const res = await fetch(input, init);
      if (isCreate && crashNextCreate) {
        crashNextCreate = false;
        await res.text();
        throw new Error('simulated crash after the create call');
      }
      return res;
    },
  });
  await configure(h);
});
afterAll(async () => {
  await h.close();
});

it('a job that crashed after the create call is retried and still yields one ticket', async () => {
  crashNextCreate = true;
  const job = await validatedCall(h, { remoteNumber: '06 12 34 56 78' });
  const { state, job: done } = await runTicketJob(h, job);
  expect(state).toBe('completed');
  expect(done.attemptsMade).toBe(2);

  const row = (await h.t.models.Ticket.findOne({ where: { transcriptId: job.transcriptId } }))!;
  const tickets = h.sim.sim.tickets().filter((t) => t.subject.includes(`[${row.externalRef}]`));
  expect(tickets).toHaveLength(1);
  expect(row).toMatchObject({ state: 'created', ninjaoneTicketId: tickets[0]!.id, attempts: 1 });
  expect(createRequests(h)).toHaveLength(1);
  expect(rowStatesAtCreate).toEqual(['creating:none']);
});
