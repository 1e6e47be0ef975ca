import { TranscriptionJob } from '@cwn/protocol';
import type { Queue } from 'bullmq';
import type { RecordingModel } from '../db/models';

/** Producer side of the `transcription` queue. */
export class TranscriptionQueue {
  constructor(private readonly queue: Queue<TranscriptionJob>) {}

  /**
   * One job per recording: the job id is the recording id, so enqueueing the same recording twice
   * (a retried request, a re-queue) never creates a second job while the first is known to Redis.
   */
  async enqueue(r: RecordingModel): Promise<void> {
    const job = TranscriptionJob.parse({
      recordingId: r.id,
      callId: r.callId,
      channels: r.channels,
      durationMs: r.durationMs,
      languageHint: r.languageHint,
    });
    await this.queue.add('transcribe', job, { jobId: r.id });
  }
}
