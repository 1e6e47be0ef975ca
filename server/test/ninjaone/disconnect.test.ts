import { DashboardSummary, NinjaOneSettings, TicketStatus } from '@cwn/protocol';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '@cwn/ninjaone-sim';
import {
  configure,
  connectAuthorizationCode,
  createRequests,
  startHarness,
  validatedCall,
  type Harness,
} from './harness';

/**
 * A revoked NinjaOne consent (the simulator's `refreshTokensRevoked`): the next renewal gets
 * invalid_grant, the settings and the wallboard say "disconnected" with the reason, ticket jobs
 * are held (not failed) and go through once an admin connects again.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await configure(h, {
    authMode: 'authorization_code',
    clientId: DEMO_CLIENT_ID,
    clientSecret: DEMO_CLIENT_SECRET,
  });
  await connectAuthorizationCode(h);
});
afterAll(async () => {
  await h.close();
});

const settings = async () =>
  NinjaOneSettings.parse((await h.api('get', '/api/settings/ninjaone')).body);
const alerts = async () =>
  DashboardSummary.parse((await h.api('get', '/api/dashboard/summary')).body).alerts;

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('after invalid_grant: disconnected with the reason, tickets held, released on reconnection', async () => {
  expect((await settings()).connected).toBe(true);
  h.sim.sim.configure({ refreshTokensRevoked: true });
  h.sim.sim.revokeAllTokens('access'); // the next call gets 401 and renews: invalid_grant

  const job = await validatedCall(h, { remoteNumber: '06 12 34 56 78' });
  const queued = await h.t.queues.tickets.add('ticket', job, {
    jobId: job.transcriptId,
    attempts: 4,
    backoff: { type: 'fixed', delay: 100 },
  });
  await until(
    'the held job',
    () => queued.getState(),
    (s) => s === 'delayed',
  );
  const held = (await h.t.queues.tickets.getJob(job.transcriptId))!;
  expect(held.attemptsMade).toBe(0); // held, no attempt used
  const status = TicketStatus.parse(
    (await h.api('get', `/api/transcripts/${job.transcriptId}/ticket`)).body,
  );
  expect(status.state).toBe('pending');
  expect(status.failureReason).toMatch(
    /^waiting for NinjaOne to be connected again: .*expired or was revoked.*Connect NinjaOne/,
  );
  expect(h.events.filter((e) => e.payload.transcriptId === job.transcriptId)).toEqual([]);

  const lost = await settings();
  expect(lost).toMatchObject({ connected: false, connectedAt: null });
  expect(lost.disconnectedReason).toMatch(/expired or was revoked.*\(400: Refresh token revoked\)/);
  expect(lost.disconnectedAt).not.toBeNull();
  const alert = (await alerts()).find((a) => a.code === 'ninjaone_disconnected');
  expect(alert).toMatchObject({ severity: 'critical' });
  expect(alert!.message).toContain(lost.disconnectedReason);
  expect(createRequests(h)).toHaveLength(0);

  // The admin connects again (a new consent): the held ticket goes through at once.
  h.sim.sim.configure({ refreshTokensRevoked: false });
  await connectAuthorizationCode(h);
  await until(
    'the released job',
    () => queued.getState(),
    (s) => s === 'completed',
  );
  const row = (await h.t.models.Ticket.findOne({ where: { transcriptId: job.transcriptId } }))!;
  expect(row).toMatchObject({ state: 'created', organizationId: 1, failureReason: null });
  expect(createRequests(h).map((c) => c.status)).toEqual([200]);

  const back = await settings();
  expect(back).toMatchObject({ connected: true, disconnectedAt: null, disconnectedReason: null });
  expect((await alerts()).map((a) => a.code)).not.toContain('ninjaone_disconnected');
});
