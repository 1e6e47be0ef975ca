/**
 * The popup's transcript panel against the real server and the NinjaOne simulator: a stored
 * transcript is opened, a segment corrected (and a stale edit answered with the current version),
 * the redaction shown, validated for a chosen organization → the ticket number with its link, and
 * exactly one ticket in NinjaOne for that organization.
 */
import type { TokenPair } from '@cwn/protocol';
import {
  DEMO_M2M_CLIENT_ID,
  DEMO_M2M_CLIENT_SECRET,
  startNinjaOneSim,
  type StartedSim,
} from '@cwn/ninjaone-sim';
import { TEST_PASSWORD } from '@cwn/test-support/app';
import { sampleResult, seedCallWithRecording } from '@cwn/test-support/transcript-fixtures';
import {
  configureThroughOptions,
  startHarness,
  type Harness,
} from '@cwn/test-support/extension-harness';

jest.setTimeout(90_000);

let h: Harness;
let sim: StartedSim;
beforeAll(async () => {
  sim = await startNinjaOneSim();
  h = await startHarness({ ownDatabase: true });
  const admin = await h.server.userWithRole('admin');
  const settings = await h.server.http
    .put('/api/settings/ninjaone')
    .set('Authorization', `Bearer ${admin.accessToken}`)
    .send({
      region: 'custom',
      baseUrl: sim.url,
      authMode: 'client_credentials',
      clientId: DEMO_M2M_CLIENT_ID,
      clientSecret: DEMO_M2M_CLIENT_SECRET,
    });
  if (settings.status !== 200)
    throw new Error(`NinjaOne settings: ${settings.status} ${JSON.stringify(settings.body)}`);
  await configureThroughOptions(h);
});
afterAll(async () => {
  await h?.close();
  await sim?.close();
});

/** A draft transcript on one of the agent's calls, stored as the transcription events store it. */
async function storedTranscript(
  agentId: string,
): Promise<{ callId: string; transcriptId: string }> {
  const { callId, recordingId } = await seedCallWithRecording(h.server.models, agentId, {
    status: 'transcribing',
  });
  const services = h.server.services.transcripts;
  const state = (await services.recordingStates([recordingId])).get(recordingId)!;
  expect(await services.persistResult(state, sampleResult())).toBe('stored');
  const row = await h.server.models.Transcript.findOne({ where: { recordingId } });
  return { callId, transcriptId: row!.id };
}

it('edits, previews the redaction, validates for an organization and shows the ticket', async () => {
  const agentRow = await h.server.models.User.findOne({ where: { email: h.agentEmail } });
  const { callId, transcriptId } = await storedTranscript(agentRow!.id);

  const popup = await h.ctx.newPage();
  await popup.goto(`chrome-extension://${h.extensionId}/popup/popup.html`);
  await popup.click(`.open-transcript[data-call-id="${callId}"]`);
  const segments = popup.locator('#segments > li');
  await segments.first().waitFor();
  expect(await segments.count()).toBe(3);
  expect(await segments.nth(1).getAttribute('class')).toContain('speaker-caller');
  expect(await segments.nth(1).locator('.segment-head').textContent()).toContain('Caller 00:01');
  expect(await popup.textContent('#redaction-summary')).toBe('Nothing will be redacted.');

  // The caller's number (+33 6 12 34 56 78) is Sophie Dupont's: her organization is pre-selected.
  await popup.waitForSelector('#organization-note:has-text("Sophie Dupont")');
  expect(await popup.inputValue('#organization')).toBe('1');

  // Correct the caller's segment: the card number in it is shown as what will be redacted.
  await popup.getByRole('button', { name: 'Edit the segment at 00:01' }).click();
  const corrected = 'Mon imprimante ne marche plus, ma carte est la 4111 1111 1111 1111.';
  await popup.getByLabel('Text of the segment at 00:01').fill(corrected);
  await popup.waitForSelector('.redaction-hint:has-text("1 redacted")');
  await popup.click('#segments .save');
  await popup.waitForSelector('#transcript-state:has-text("Saved (version 2)")');
  expect(await popup.textContent('#segments mark.redact-card')).toBe('4111 1111 1111 1111');
  expect(await popup.textContent('#redaction-summary')).toMatch(/^1 highlighted stretch/);

  // Someone else edits meanwhile: the popup's next save is refused and the current text shown.
  const login = await h.server.http
    .post('/api/auth/login')
    .send({ email: h.agentEmail, password: TEST_PASSWORD });
  const agent = login.body as TokenPair;
  const current = await h.server.http
    .get(`/api/transcripts/${transcriptId}`)
    .set('Authorization', `Bearer ${agent.accessToken}`);
  const elsewhere = await h.server.http
    .patch(`/api/transcripts/${transcriptId}`)
    .set('Authorization', `Bearer ${agent.accessToken}`)
    .send({
      version: 2,
      segments: current.body.segments.map((s: { text: string }, i: number) =>
        i === 2 ? { ...s, text: 'Je regarde ça tout de suite.' } : s,
      ),
    });
  expect(elsewhere.status).toBe(200);
  await popup.getByRole('button', { name: 'Edit the segment at 00:00' }).click();
  await popup.getByLabel('Text of the segment at 00:00').fill('Support, bonjour.');
  await popup.click('#segments .save');
  await popup.waitForSelector('#transcript-state:has-text("changed meanwhile (now version 3)")');
  expect(await segments.nth(2).locator('.segment-text').textContent()).toBe(
    'Je regarde ça tout de suite.',
  );
  expect(await segments.nth(0).locator('.segment-text').textContent()).toBe(
    'Support informatique, bonjour.',
  );

  // Validate for another organization than the matched one.
  await popup.selectOption('#organization', { label: 'Acme Logistics Ltd' });
  await popup.click('#validate');
  const link = popup.locator('#ticket-state a.ticket-link');
  await link.waitFor({ timeout: 20_000 });
  const tickets = sim.sim.tickets();
  expect(tickets).toHaveLength(1);
  const ticket = tickets[0]!;
  expect(ticket.clientId).toBe(3);
  expect(await link.textContent()).toBe(`Ticket #${ticket.id}`);
  expect(await link.getAttribute('href')).toBe(`${sim.url}/#/ticketing/ticket/${ticket.id}`);
  const description = ticket.logEntries[0]!.body as string;
  expect(description).toContain(
    'Mon imprimante ne marche plus, ma carte est la [card number redacted].',
  );
  expect(description).toContain('Je regarde ça tout de suite.');
  expect(description).not.toContain('4111');
  expect(await popup.isHidden('#validate-form')).toBe(true);
  await popup.close();
});
