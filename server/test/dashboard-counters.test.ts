// The wallboard figures that come from the transcripts and tickets tables, on a database of their
// own (the validation backlog spans every day, so a shared test database would make it drift).
import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { computeCounters, localDay } from '../src/dashboard/counters';
import { defineModels, type Models } from '../src/db/models';
import { migrateUp } from '../src/db/migrator';
import { createSequelize } from '../src/db/sequelize';
import { freshDatabase } from '@cwn/test-support/services';
import { sampleResult } from '@cwn/test-support/transcript-fixtures';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let sequelize: Sequelize;
let models: Models;

beforeAll(async () => {
  db = await freshDatabase('counters');
  sequelize = createSequelize(db.url);
  await migrateUp(sequelize);
  models = defineModels(sequelize);
});
afterAll(async () => {
  await sequelize.close();
  await db.drop();
});

const noon = new Date(2002, 5, 7, 12, 0, 0);
const at = (h: number, m = 0, s = 0) => new Date(2002, 5, 7, h, m, s);

async function callWithTranscript(o: {
  endedAt: Date;
  transcribedAt: Date;
  status: 'draft' | 'validated';
  ticket?: { state: 'created' | 'failed'; at: Date };
}) {
  const agent = await models.User.create({
    id: randomUUID(),
    email: `${randomUUID()}@t.local`,
    displayName: 'Agent',
    role: 'agent',
    extension: null,
    passwordHash: 'x',
    active: true,
  } as never);
  const callId = randomUUID();
  const recordingId = randomUUID();
  await models.Call.create({
    id: callId,
    agentId: agent.id,
    direction: 'inbound',
    remoteNumber: null,
    remoteName: null,
    pbxCallId: null,
    startedAt: at(8),
    answeredAt: at(8),
    endedAt: o.endedAt,
    status: 'transcribed',
  });
  await models.Recording.create({
    id: recordingId,
    callId,
    agentId: agent.id,
    channels: 2,
    sampleRate: 16_000,
    durationMs: 1000,
    sizeBytes: 100,
    sha256: '0'.repeat(64),
    keyId: 'k',
    idempotencyKey: randomUUID(),
    languageHint: null,
    purgedAt: null,
  } as never);
  const r = sampleResult();
  const transcript = await models.Transcript.create({
    id: randomUUID(),
    callId,
    recordingId,
    language: r.language,
    segments: r.segments,
    model: r.model,
    engine: r.engine,
    timings: r.timings,
    status: o.status,
    createdAt: o.transcribedAt,
  } as never);
  if (o.ticket) {
    await models.Ticket.create({
      transcriptId: transcript.id,
      callId,
      requestedBy: null,
      state: o.ticket.state,
      externalRef: `CWN-${randomUUID().slice(0, 8)}`,
      organizationId: 1,
      requesterUid: null,
      ninjaoneTicketId: o.ticket.state === 'created' ? 42 : null,
      failureReason: null,
      createdTicketAt: o.ticket.state === 'created' ? o.ticket.at : null,
    });
  }
}

it('counts the validation backlog, tickets created today and the mean hang-up → transcript time', async () => {
  const day = localDay(noon);
  const empty = await computeCounters({ sequelize, day });
  expect(empty).toMatchObject({
    transcriptsAwaitingValidation: 0,
    ticketsToday: 0,
    averageHangupToTranscriptSeconds: null,
  });

  await callWithTranscript({ endedAt: at(9), transcribedAt: at(9, 0, 4), status: 'draft' });
  await callWithTranscript({ endedAt: at(10), transcribedAt: at(10, 0, 8), status: 'draft' });
  await callWithTranscript({
    endedAt: at(11),
    transcribedAt: at(11, 0, 6),
    status: 'validated',
    ticket: { state: 'created', at: at(11, 5) },
  });
  await callWithTranscript({
    endedAt: at(11),
    transcribedAt: at(11, 0, 6),
    status: 'validated',
    ticket: { state: 'failed', at: at(11, 5) },
  });
  // yesterday's draft still waits for validation, but is not part of today's timing
  await callWithTranscript({
    endedAt: new Date(2002, 5, 6, 17),
    transcribedAt: new Date(2002, 5, 6, 17, 5),
    status: 'draft',
  });

  const counters = await computeCounters({ sequelize, day });
  expect(counters.transcriptsAwaitingValidation).toBe(3);
  expect(counters.ticketsToday).toBe(1);
  expect(counters.averageHangupToTranscriptSeconds).toBe(6); // (4 + 8 + 6 + 6) / 4
});
