/**
 * What a transcription reconciliation pass costs (decision 0400): N completed jobs in the real
 * BullMQ queue, measured against the floor of only reading those jobs from Redis.
 *
 *   npx tsx server/bench/reconcile-bench.ts [jobs=1000]
 *
 * Needs PostgreSQL and Redis (TEST_DATABASE_ADMIN_URL / TEST_REDIS_URL, as the tests); uses a
 * database and a key prefix of its own and drops them at the end.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import {
  QUEUES,
  type TicketJob,
  type TranscriptionJob,
  type TranscriptionResult,
} from '@cwn/protocol';
import { defineModels } from '../src/db/models';
import { migrateUp } from '../src/db/migrator';
import { createSequelize } from '../src/db/sequelize';
import { createLogger } from '../src/logger';
import type { IoServer } from '../src/realtime/socket';
import { TranscriptNotifier } from '../src/transcripts/transcript-notifier';
import { CallLifecycle } from '../src/calls/lifecycle/call-lifecycle';
import { FanOut } from '../src/realtime/fan-out';
import { TranscriptionEvents } from '../src/transcripts/transcription-events';
import { TranscriptsRepository } from '../src/transcripts/transcripts.repository';
import { TranscriptsService } from '../src/transcripts/transcripts.service';
import {
  createDatabase,
  deleteRedisPrefix,
  dropDatabase,
  TEST_REDIS_URL,
} from '@cwn/test-support/services';

const JOBS = Number(process.argv[2] ?? 1000);

const result: TranscriptionResult = {
  language: 'fr',
  segments: Array.from({ length: 40 }, (_, i) => ({
    speaker: i % 2 ? 'caller' : 'agent',
    startMs: i * 3_000,
    endMs: i * 3_000 + 2_500,
    text: 'Bonjour, mon imprimante affiche une erreur de bourrage papier depuis ce matin.',
  })),
  model: 'bench',
  engine: 'bench',
  timings: { fetchMs: 1, decodeMs: 1, transcribeMs: 1, totalMs: 3 },
};

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const tag = `${Date.now().toString(36)}_${process.pid}`;
  const dbName = `cwn_bench_${tag}`;
  const prefix = `cwn-bench-${tag}`;
  const sequelize = createSequelize(await createDatabase(dbName));
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue<TranscriptionJob>(QUEUES.transcription, {
    connection: redis,
    prefix,
    defaultJobOptions: { removeOnComplete: false },
  });
  const io: IoServer = new Server(); // never attached: emits reach no one
  try {
    await migrateUp(sequelize);
    const models = defineModels(sequelize);
    const agentId = crypto.randomUUID();
    await models.User.create({
      id: agentId,
      email: `bench-${tag}@bench.local`,
      displayName: 'Bench',
      role: 'agent',
      extension: null,
      passwordHash: 'x',
      lastLoginAt: null,
    });
    const ids = Array.from({ length: JOBS }, () => ({
      callId: crypto.randomUUID(),
      recordingId: crypto.randomUUID(),
    }));
    const now = new Date();
    await models.Call.bulkCreate(
      ids.map((x) => ({
        id: x.callId,
        agentId,
        direction: 'inbound' as const,
        remoteNumber: null,
        remoteName: null,
        pbxCallId: x.callId,
        startedAt: now,
        answeredAt: null,
        endedAt: now,
        status: 'queued' as const,
      })),
    );
    await models.Recording.bulkCreate(
      ids.map((x) => ({
        id: x.recordingId,
        callId: x.callId,
        agentId,
        channels: 2 as const,
        sampleRate: 16_000,
        durationMs: 120_000,
        sizeBytes: 3_840_044,
        sha256: 'a'.repeat(64),
        keyId: 'k1',
        idempotencyKey: x.recordingId,
        purgedAt: null,
      })),
    );
    await queue.addBulk(
      ids.map((x) => ({
        name: 'transcribe',
        data: {
          recordingId: x.recordingId,
          callId: x.callId,
          channels: 2,
          durationMs: 120_000,
          languageHint: null,
        },
        opts: { jobId: x.recordingId },
      })),
    );
    const workerRedis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const worker = new Worker<TranscriptionJob>(QUEUES.transcription, async () => result, {
      connection: workerRedis,
      prefix,
      concurrency: 50,
    });
    while (((await queue.getJobCounts('completed')).completed ?? 0) < JOBS)
      await new Promise((r) => setTimeout(r, 100));
    await worker.close();
    workerRedis.disconnect();

    const logger = createLogger('silent');
    const fanOut = new FanOut(io, logger);
    const notifier = new TranscriptNotifier(fanOut);
    const tickets = new Queue<TicketJob>(QUEUES.tickets, { connection: redis, prefix });
    const lifecycle = new CallLifecycle(models, logger);
    const service = new TranscriptsService(
      new TranscriptsRepository(sequelize, models),
      lifecycle,
      tickets,
      notifier,
      logger,
    );
    const follower = () =>
      // whole-call jobs only: no window handler
      new TranscriptionEvents({
        queue,
        connection: redis,
        service,
        notifier,
        windows: null,
        logger,
      });

    const readAll = async () => {
      for (let start = 0; ; start += 200) {
        const page = await queue.getJobs(['completed'], start, start + 199, false);
        if (page.length < 200) break;
      }
    };
    await readAll(); // warm-up
    const floor = await time(readAll);
    let persisted = 0;
    const recovery = await time(async () => {
      persisted = (await follower().reconcile()).persisted;
    });
    if (persisted !== JOBS) throw new Error(`recovery pass stored ${persisted} of ${JOBS}`);
    const steady = await time(() => follower().reconcile());
    if ((await models.Transcript.count()) !== JOBS)
      throw new Error('a pass stored a second transcript');
    await tickets.close();

    const rows = [
      ['read the jobs from Redis only (floor)', floor],
      ['recovery pass: every result missing, all stored', recovery],
      ['pass with everything already stored (steady state)', steady],
    ] as const;
    console.log(
      `\nreconciliation over ${JOBS} completed jobs (${result.segments.length} segments each)\n`,
    );
    console.log('| pass | total ms | µs per job | × floor |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const [name, ms] of rows) {
      console.log(
        `| ${name} | ${ms.toFixed(0)} | ${((ms * 1000) / JOBS).toFixed(0)} | ${(ms / floor).toFixed(1)} |`,
      );
    }
  } finally {
    await queue.close();
    redis.disconnect();
    await sequelize.close();
    await dropDatabase(dbName);
    await deleteRedisPrefix(prefix);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
