/**
 * A stand-in for the GPU worker's live side: takes the window jobs of a test app's transcription
 * queue, reads each window's audio from the server's internal endpoint (as the worker does) and
 * answers one segment per window ("agent window 3 …"), in a few milliseconds. For browser tests
 * and benches that need the live transcript's flow, not Whisper's words.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  QUEUES,
  TRANSCRIPTION_JOB_NAMES,
  TranscribeWindowJob,
  type TranscribeWindowResult,
} from '@cwn/protocol';
import { TEST_WORKER_TOKEN, type TestApp } from './app';
import { TEST_REDIS_URL } from './services';

export interface StandInWindowWorker {
  /** Windows answered so far. */
  readonly done: TranscribeWindowJob[];
  stop(): Promise<void>;
}

export function startStandInWindowWorker(t: TestApp): StandInWindowWorker {
  const done: TranscribeWindowJob[] = [];
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const worker = new Worker(
    QUEUES.transcription,
    async (job): Promise<TranscribeWindowResult> => {
      if (job.name !== TRANSCRIPTION_JOB_NAMES.window) throw new Error(`not a window: ${job.name}`);
      const data = TranscribeWindowJob.parse(job.data);
      if (data.source.kind !== 'live') throw new Error('only live windows are answered');
      const res = await fetch(
        `${t.url()}/internal/live-recordings/${data.source.liveRecordingId}/window?channel=${data.channel}&start=${data.startSample}&end=${data.endSample}`,
        { headers: { Authorization: `Bearer ${TEST_WORKER_TOKEN}` } },
      );
      if (res.status !== 200) throw new Error(`window audio: HTTP ${res.status}`);
      await res.arrayBuffer();
      done.push(data);
      const n = done.filter((d) => d.channel === data.channel).length;
      const startMs = Math.round(data.startSample / 16);
      return {
        segments: [
          {
            speaker: data.channel,
            startMs,
            endMs: Math.max(startMs + 1, Math.round(data.endSample / 16)),
            text: `${data.channel} window ${n} at ${(startMs / 1000).toFixed(1)} s`,
          },
        ],
        language: 'en',
        model: 'stand-in',
        engine: 'test',
      };
    },
    { connection, prefix: t.config.redisPrefix, concurrency: 2 },
  );
  worker.on('error', () => undefined);
  return {
    done,
    async stop() {
      await worker.close();
      connection.disconnect();
    },
  };
}
