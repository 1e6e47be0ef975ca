import { TranscriptionJob, type JobWhisperSettings } from '@cwn/protocol';
import type { Queue } from 'bullmq';
import type { RecordingModel } from '../db/models';
import type { Logger } from '../logger';
import type { RecordingWindows } from '../live/recording-windows';

/**
 * Producer side of the `transcription` queue for uploaded recordings, and the one place that
 * decides how a call's transcription is queued: a long call as window jobs (`RecordingWindows`,
 * decision 1401), any other as one whole-call job. Every path that queues a recording (the upload,
 * the start-up re-queue of stranded calls) comes through `enqueue`.
 */
export class TranscriptionQueue {
  constructor(
    private readonly queue: Queue<TranscriptionJob>,
    /** The settings the job carries, read when it is queued (absent: the workers' own). */
    private readonly settingsFor?: (callId: string) => Promise<JobWhisperSettings>,
    private readonly logger?: Pick<Logger, 'warn'>,
    /** Splits long calls into window jobs (absent: always the whole-call job). */
    private readonly windows?: RecordingWindows,
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
   * A recording split into windows (long enough, or split before: then always its windows, never
   * the whole-call job too), else one job per recording: the job id is the recording id, so
   * enqueueing the same recording twice (a retried request, a re-queue) never creates a second job
   * while the first is known to Redis; window job ids are per window, likewise.
   */
  async enqueue(r: RecordingModel): Promise<'windows' | 'call'> {
    const settings = await this.settings(r.callId);
    if (this.windows && (await this.windows.split(r, settings))) return 'windows';
    const job = TranscriptionJob.parse({
      recordingId: r.id,
      callId: r.callId,
      channels: r.channels,
      durationMs: r.durationMs,
      languageHint: r.languageHint,
      ...(settings ? { settings } : {}),
    });
    await this.queue.add('transcribe', job, { jobId: r.id });
    return 'call';
  }
}
