import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Transaction } from 'sequelize';
import type { TranscriptionJob } from '@cwn/protocol';
import type { Models, RecordingModel } from '../db/models';
import type { RecordingWindows } from '../live/recording-windows';
import type { EncryptedAudioStore } from '../storage';
import { waveformCacheKey } from './audio.routes';

/**
 * The recordings' side of a privacy erasure: which recordings a call has, how much audio is
 * stored, and destroying it (data keys wiped, files removed, the cached waveform and the
 * transcription job or a long call's window jobs, whose results hold the transcript's text,
 * dropped), then the rows.
 */
export class RecordingErasure {
  constructor(
    private readonly d: {
      models: Models;
      store: () => Promise<EncryptedAudioStore>;
      redis: Redis;
      redisPrefix: string;
      transcriptionQueue: Queue<TranscriptionJob>;
      /** A long call's window jobs (decision 1401). */
      windows: RecordingWindows;
    },
  ) {}

  ofCalls(callIds: string[]): Promise<RecordingModel[]> {
    if (callIds.length === 0) return Promise.resolve([]);
    return this.d.models.Recording.findAll({
      where: { callId: callIds },
      order: [['createdAt', 'ASC']],
    });
  }

  /** Recordings whose audio file is in the store (a purged one has none left). */
  async stored(recordings: RecordingModel[]): Promise<RecordingModel[]> {
    const store = await this.d.store();
    const out: RecordingModel[] = [];
    for (const r of recordings) if (await store.exists(r.id)) out.push(r);
    return out;
  }

  /** Transcription jobs of these recordings that the queue still holds (job id = recording id). */
  async jobs(recordings: RecordingModel[]): Promise<number> {
    let n = 0;
    for (const r of recordings) {
      if (await this.d.transcriptionQueue.getJob(r.id)) n++;
      n += await this.d.windows.removeJobs(r.id, true);
    }
    return n;
  }

  /**
   * Destroys the audio of these recordings (idempotent: run again after a failure, it finishes).
   * Returns the files destroyed and the queue jobs removed; a job a worker holds right now cannot
   * be removed and is counted in `jobsLeft` (its result will find no call to attach to).
   */
  async destroyAudio(
    recordings: RecordingModel[],
  ): Promise<{ files: number; jobs: number; jobsLeft: number }> {
    const store = await this.d.store();
    const out = { files: 0, jobs: 0, jobsLeft: 0 };
    for (const r of recordings) {
      if (await store.destroy(r.id)) out.files++;
      await this.d.redis.del(waveformCacheKey(this.d.redisPrefix, r.id));
      const job = await this.d.transcriptionQueue.getJob(r.id);
      if (job) {
        try {
          await job.remove();
          out.jobs++;
        } catch {
          out.jobsLeft++;
        }
      }
      out.jobs += await this.d.windows.removeJobs(r.id);
    }
    return out;
  }

  /** Deletes the recordings' rows of these calls (after `destroyAudio`, inside the erasure's transaction). */
  deleteRows(callIds: string[], tx: Transaction): Promise<number> {
    if (callIds.length === 0) return Promise.resolve(0);
    return this.d.models.Recording.destroy({ where: { callId: callIds }, transaction: tx });
  }
}
