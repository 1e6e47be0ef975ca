import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import { QUEUES, type TicketJob, type TranscriptionJob } from '@cwn/protocol';

const KEEP = {
  removeOnComplete: { count: 1_000, age: 7 * 86_400 },
  removeOnFail: { count: 5_000, age: 30 * 86_400 },
} satisfies DefaultJobOptions;

/** Defaults per queue: transcription retries a few times; tickets keep trying for ~an hour. */
export const QUEUE_DEFAULTS: Record<keyof typeof QUEUES, DefaultJobOptions> = {
  transcription: { attempts: 3, backoff: { type: 'exponential', delay: 5_000 }, ...KEEP },
  tickets: { attempts: 8, backoff: { type: 'exponential', delay: 10_000 }, ...KEEP },
  maintenance: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 }, ...KEEP },
};

export interface Queues {
  transcription: Queue<TranscriptionJob>;
  tickets: Queue<TicketJob>;
  maintenance: Queue;
  all(): Queue[];
  close(): Promise<void>;
}

export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const opts = (name: keyof typeof QUEUES) => ({
    connection,
    prefix,
    defaultJobOptions: QUEUE_DEFAULTS[name],
  });
  const transcription = new Queue<TranscriptionJob>(QUEUES.transcription, opts('transcription'));
  const tickets = new Queue<TicketJob>(QUEUES.tickets, opts('tickets'));
  const maintenance = new Queue(QUEUES.maintenance, opts('maintenance'));
  const all = () => [transcription, tickets, maintenance] as Queue[];
  for (const q of all()) q.on('error', () => undefined); // connection errors are logged by createRedis
  return {
    transcription,
    tickets,
    maintenance,
    all,
    close: async () => {
      await Promise.all(all().map((q) => q.close()));
    },
  };
}
