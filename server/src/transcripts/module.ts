import type { ModuleDeps } from '../module-deps';
import type { Sequelize } from 'sequelize';
import type { Transcript } from '@cwn/protocol';
import type { CallLifecycle } from '../calls/lifecycle/call-lifecycle';
import type { Models } from '../db/models';
import { IdempotencyStore } from '../http/idempotency';
import { TranscriptNotifier } from './transcript-notifier';
import { TranscriptionEvents, type WindowJobHandler } from './transcription-events';
import { TranscriptsRepository } from './transcripts.repository';
import { registerTranscriptRoutes } from './transcripts.routes';
import { TranscriptsService, toTranscriptDto } from './transcripts.service';

export interface TranscriptsModule {
  service: TranscriptsService;
  notifier: TranscriptNotifier;
}

/** The follower of the transcription queue; started by `start` (after migrations), stopped by `close`. */
export interface TranscriptionEventsModule {
  events: TranscriptionEvents;
  start(): void;
  close(): Promise<void>;
}

/** A call's transcript, read for other modules' answers (the call's detail), without access checks. */
export function transcriptReader(
  sequelize: Sequelize,
  models: Models,
): (callId: string) => Promise<Transcript | null> {
  const repo = new TranscriptsRepository(sequelize, models);
  return async (callId) => {
    const t = await repo.findByCallId(callId);
    return t ? toTranscriptDto(t) : null;
  };
}

/** Transcripts: workers' results stored once, reading, editing, validation (which queues the ticket). */
export function createTranscriptsModule(
  d: ModuleDeps & {
    lifecycle: CallLifecycle;
  },
): TranscriptsModule {
  const notifier = new TranscriptNotifier(d.fanOut);
  const service = new TranscriptsService(
    new TranscriptsRepository(d.sequelize, d.models),
    d.lifecycle,
    d.queues.tickets,
    notifier,
    d.logger,
    d.now,
  );
  registerTranscriptRoutes(
    d.routes,
    service,
    d.audit,
    new IdempotencyStore(d.redis, d.config.redisPrefix, d.logger),
  );
  return { service, notifier };
}

/**
 * Follows the transcription queue: whole-call outcomes to the transcripts' service, window jobs'
 * to `windows` (the live module's service). Built after the live module, which needs the
 * transcripts' service, so that each outcome's owner is given at construction (no setter).
 */
export function createTranscriptionEventsModule(
  d: ModuleDeps & { transcripts: TranscriptsModule; windows: WindowJobHandler },
): TranscriptionEventsModule {
  const events = new TranscriptionEvents({
    queue: d.queues.transcription,
    connection: d.redis,
    service: d.transcripts.service,
    notifier: d.transcripts.notifier,
    windows: d.windows,
    logger: d.logger,
  });
  return {
    events,
    start: () => {
      events
        .start()
        .catch((err: unknown) => d.logger.error({ err }, 'transcription events failed to start'));
    },
    close: () => events.close(),
  };
}
