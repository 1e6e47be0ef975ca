import { externalRefOf } from '../../src/tickets/ticket.service';
import {
  CallerMatchResponse,
  NinjaOneOrganizationList,
  NinjaOneTestResult,
  TicketStatus,
} from '@cwn/protocol';
import { DEFAULT_CONFIG, type Ticket } from '@cwn/ninjaone-sim';
import { configure, runTicketJob, startHarness, validatedCall, type Harness } from './harness';

/**
 * Tenants that differ from the demo one, each played by a simulator switch: a page-size cap,
 * a contacts endpoint that answers 404/403, people without numeric ids, and retries that show why.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  h.sim.sim.configure({
    maxPageSize: DEFAULT_CONFIG.maxPageSize,
    contactsStatus: DEFAULT_CONFIG.contactsStatus,
    peopleWithoutNumericIds: DEFAULT_CONFIG.peopleWithoutNumericIds,
  });
  h.sim.sim.clearFaults();
  h.sim.sim.clearRequests();
  await configure(h); // also clears the server's NinjaOne lookup cache
});

const row = (transcriptId: string) => h.t.models.Ticket.findOne({ where: { transcriptId } });
const callerMatch = async (number: string) => {
  const res = await h.api('get', `/api/ninjaone/caller-match?number=${encodeURIComponent(number)}`);
  expect(res.status).toBe(200);
  return CallerMatchResponse.parse(res.body);
};
const SOPHIE = '06 12 34 56 78'; // contact 101, organization 1
const MARC = '06 98 76 54 32'; // end user 201, organization 1

describe.each([404, 403] as const)('a tenant whose GET /v2/contacts answers %i', (status) => {
  beforeEach(() => {
    h.sim.sim.configure({ contactsStatus: status });
  });

  it('caller match degrades to "none" with the reason, and still finds end users', async () => {
    const contact = await callerMatch(SOPHIE);
    expect(contact.match).toEqual({ kind: 'none' });
    expect(contact.lookupError).toContain(`GET /contacts (${status})`);
    const endUser = await callerMatch(MARC);
    expect(endUser.match).toMatchObject({
      kind: 'matched',
      organizationId: 1,
      contact: { id: 201 },
    });
  });

  it('a ticket with an organization chosen by hand is created; without one it fails saying why', async () => {
    const chosen = await validatedCall(h, { remoteNumber: SOPHIE, organizationId: 3 });
    expect((await runTicketJob(h, chosen)).state).toBe('completed');
    expect((await row(chosen.transcriptId))!).toMatchObject({
      state: 'created',
      organizationId: 3,
    });

    const unchosen = await validatedCall(h, { remoteNumber: SOPHIE });
    const { state, job } = await runTicketJob(h, unchosen);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    const r = (await row(unchosen.transcriptId))!;
    expect(r.failureReason).toMatch(/no NinjaOne organization matches/);
    expect(r.failureReason).toContain(`GET /contacts (${status})`);
    expect(r.failureReason).toMatch(/choose an organization and retry$/);
  });
});

it('a ticket with a chosen organization does not depend on the lookup at all (contacts down)', async () => {
  h.sim.sim.injectFault({ route: 'GET /v2/contacts', status: 503, count: 20 });
  const job = await validatedCall(h, { remoteNumber: SOPHIE, organizationId: 2 });
  expect((await runTicketJob(h, job)).state).toBe('completed');
  expect((await row(job.transcriptId))!).toMatchObject({ state: 'created', organizationId: 2 });
});

describe('a tenant that caps its page size at 3', () => {
  it('lists all 7 organizations in the picker and in "Test connection", paging until an empty page', async () => {
    h.sim.sim.configure({ maxPageSize: 3 });
    const data = h.sim.sim.state.data;
    const added = [6, 7].map((id) => ({ ...data.organizations[0]!, id, name: `Extra ${id}` }));
    data.organizations.push(...added);
    try {
      const list = NinjaOneOrganizationList.parse(
        (await h.api('get', '/api/ninjaone/organizations')).body,
      );
      expect(list.items.map((o) => o.id).sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
      const pages = h.sim.sim.requests({ method: 'GET', path: '/v2/organizations' });
      expect(pages.map((p) => p.query.after ?? null)).toEqual([null, '3', '6', '7']);

      const test = NinjaOneTestResult.parse(
        (await h.api('post', '/api/settings/ninjaone/test')).body,
      );
      expect(test.organizations).toBe(7);
    } finally {
      data.organizations = data.organizations.filter((o) => !added.includes(o));
    }
  });
});

describe('a tenant that caps its page size at 1', () => {
  it('an interrupted create is found on a later page of the board search, not created twice', async () => {
    h.sim.sim.configure({ maxPageSize: 1 });
    const job = await validatedCall(h, { remoteNumber: SOPHIE });
    const ref = externalRefOf(job.transcriptId);
    // Tickets the search also finds (the reference quoted elsewhere), listed before ours.
    const data = h.sim.sim.state.data;
    const decoys: Ticket[] = [1, 2].map((id) => ({
      id,
      version: 1,
      nodeId: null,
      clientId: 1,
      locationId: null,
      assignedAppUserId: null,
      requesterUid: null,
      subject: `About ${ref} (${id})`,
      status: data.statuses[0]!,
      type: null,
      priority: 'NONE',
      severity: 'NONE',
      ticketFormId: 1,
      source: 'TECHNICIAN',
      tags: [],
      ccList: { uids: [], emails: [] },
      createTime: 1,
      lastUpdated: 1,
      deleted: false,
      attributeValues: [],
      additionalAssignedTechnicianIds: [],
      parentTicketId: null,
      followupTime: null,
    }));
    data.tickets.unshift(...decoys);
    h.sim.sim.injectFault({
      route: 'POST /v2/ticketing/ticket',
      status: 500,
      phase: 'after',
      body: { resultCode: 'FAILURE' },
    });
    try {
      expect((await runTicketJob(h, job)).state).toBe('completed');
      const ours = h.sim.sim.tickets().filter((t) => t.subject.includes(`[${ref}]`));
      expect(ours).toHaveLength(1);
      expect((await row(job.transcriptId))!.ninjaoneTicketId).toBe(ours[0]!.id);
    } finally {
      data.tickets = data.tickets.filter((t) => !decoys.includes(t));
    }
  });
});

describe('a tenant with people that have no numeric id', () => {
  it('skips and counts them (logged once), matches the others, and tickets are created at once', async () => {
    h.sim.sim.configure({ peopleWithoutNumericIds: true });
    const before = h.logs.length;
    expect((await callerMatch(SOPHIE)).match).toMatchObject({ kind: 'matched', organizationId: 1 });
    h.t.ninjaone.directory.clear(); // a reload sees the same odd records: not logged again
    expect((await callerMatch(MARC)).match).toMatchObject({
      kind: 'matched',
      contact: { id: 201 },
    });
    const skipped = h.logs
      .slice(before)
      .map((l) => JSON.parse(l) as { msg: string; list?: string; skipped?: number })
      .filter((l) => l.msg === 'ninjaone list records skipped: they do not parse');
    expect(skipped.map((l) => [l.list, l.skipped]).sort()).toEqual([
      ['contacts', 2],
      ['end users', 2],
    ]);

    const job = await validatedCall(h, { remoteNumber: SOPHIE });
    const { state, job: done } = await runTicketJob(h, job);
    expect(state).toBe('completed');
    expect(done.attemptsMade).toBe(1); // the first attempt
  });
});

describe('a ticket retried by the queue', () => {
  it('shows the last attempt’s failure reason while it waits for the next one', async () => {
    h.sim.sim.injectFault({ route: 'POST /v2/ticketing/ticket', status: 503, count: 1 });
    const job = await validatedCall(h, { remoteNumber: SOPHIE });
    const queued = await h.t.queues.tickets.add('ticket', job, {
      jobId: job.transcriptId,
      attempts: 3,
      backoff: { type: 'fixed', delay: 60_000 },
    });
    try {
      const deadline = Date.now() + 20_000;
      while ((await queued.getState()) !== 'delayed') {
        if (Date.now() > deadline) throw new Error('the first attempt never failed');
        await new Promise((r) => setTimeout(r, 50));
      }
      const status = TicketStatus.parse(
        (await h.api('get', `/api/transcripts/${job.transcriptId}/ticket`)).body,
      );
      expect(status.state).toBe('creating'); // a 503 on the create is ambiguous: the retry checks first
      expect(status.failureReason).toMatch(
        /^attempt 1 failed, trying again: NinjaOne failed \(503/,
      );
    } finally {
      await queued.remove();
    }
  });
});
