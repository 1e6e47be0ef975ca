import { TicketPreview } from '@cwn/protocol';
import { seedCallWithRecording, sampleResult } from '@cwn/test-support/transcript-fixtures';
import { configure, eventFor, startHarness, type Harness } from './harness';

/** The whole path: POST /api/transcripts/:id/validate → tickets job → SqlTicketSource → NinjaOne. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sqlSource: true });
  await configure(h);
});
afterAll(async () => {
  await h.close();
});

it('validating a transcript creates its NinjaOne ticket, redacted, and marks the call ticketed', async () => {
  const { callId, recordingId } = await seedCallWithRecording(h.t.models, h.agent.user.id, {
    status: 'transcribed',
    durationMs: 10_000,
  });
  const result = sampleResult();
  const transcript = await h.t.models.Transcript.create({
    id: crypto.randomUUID(),
    callId,
    recordingId,
    language: result.language,
    segments: [
      ...result.segments,
      { speaker: 'caller', startMs: 5_000, endMs: 6_000, text: 'Mon mot de passe est tigre77.' },
    ],
    model: result.model,
    engine: result.engine,
    timings: result.timings,
  });
  // What the agent sees before validating is what NinjaOne receives.
  const preview = TicketPreview.parse(
    (
      await h.api(
        'get',
        `/api/transcripts/${transcript.id}/redaction-preview`,
        undefined,
        h.agent.accessToken,
      )
    ).body,
  );
  expect(preview.redactions).toBe(1);
  expect(preview.segments[3]!.redacted.spans).toEqual([
    expect.objectContaining({ kind: 'secret', start: 21, end: 28 }),
  ]);

  const res = await h.api(
    'post',
    `/api/transcripts/${transcript.id}/validate`,
    {},
    h.agent.accessToken,
  );
  expect(res.status).toBe(200);
  const event = await eventFor(h, transcript.id, 'ticket.created');
  const ticket = h.sim.sim.tickets().find((t) => t.id === event.ticketId)!;
  expect(ticket.clientId).toBe(1);
  const description = ticket.logEntries[0]!.body as string;
  expect(description).toContain('[00:01] Caller: Mon imprimante ne marche plus.');
  expect(description).not.toContain('tigre77');
  // Only the validator's line is new after validation.
  expect(description).toContain(`Validated by: ${h.agent.user.displayName}`);
  expect(description.replace(/^Validated by: .*\n/m, '')).toBe(preview.ticket.body);
  expect((await h.t.models.Call.findByPk(callId))!.status).toBe('ticketed');
});
