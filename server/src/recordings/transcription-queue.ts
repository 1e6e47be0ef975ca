import { TranscriptionJob, type JobWhisperSettings } from '@cwn/protocol';
import type { Queue } from 'bullmq';
import type { RecordingModel } from '../db/models';
import type { Logger } from '../logger';

/** Producer side of the `transcription` queue. */
export class TranscriptionQueue {
  constructor(
    private readonly queue: Queue<TranscriptionJob>,
    /** The settings the job carries, read when it is queued (absent: the workers' own). */
    private readonly settingsFor?: (callId: string) => Promise<JobWhisperSettings>,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {}

  private async settings(callId: string): Promise<JobWhisperSettings | undefined> {
    if (!this.settingsFor) return undefined;
    try {
      return await this.settingsFor(callId);
    } catch (err) {
      // The recording is stored: queue it with the workers' own settings rather than not at all.
      this.logger?.warn(
        { callId, error: err instanceof Error ? err.message : String(err) },
        'whisper settings unavailable: job queued with the workers’ own',
      );
      return undefined;
    }
  }

  /**
   * One job per recording: the job id is the recording id, so enqueueing the same recording twice
   * (a retried request, a re-queue) never creates a second job while the first is known to Redis.
   */
  async enqueue(r: RecordingModel): Promise<void> {
    const settings = await this.settings(r.callId);
    const job = TranscriptionJob.parse({
      recordingId: r.id,
      callId: r.callId,
      channels: r.channels,
      durationMs: r.durationMs,
      languageHint: r.languageHint,
      ...(settings ? { settings } : {}),
    });
    await this.queue.add('transcribe', job, { jobId: r.id });
  }
}
