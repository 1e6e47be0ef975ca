import type { Queue } from 'bullmq';
import {
  TRANSCRIPTION_JOB_NAMES,
  TRANSCRIPTION_PRIORITY,
  TranscribeWindowJob,
  type LiveChannel,
} from '@cwn/protocol';
import type { WindowSource } from './live.repository';

const ID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const JOB_ID = new RegExp(`^window-(live|rec)-(${ID})-(agent|caller)-(\\d+)$`);

/**
 * A window's job id, from its source, channel and first sample: the same window is queued once,
 * whoever queues it again (a resumed windower, a repair pass). BullMQ refuses ':' in custom ids.
 */
export function windowJobId(source: WindowSource, channel: LiveChannel, startSample: number) {
  return `window-${source.kind === 'live' ? 'live' : 'rec'}-${source.id}-${channel}-${startSample}`;
}

export interface WindowJobKey {
  source: WindowSource;
  channel: LiveChannel;
  startSample: number;
}

/** The window a job id names, or null for any other job (a whole call's). */
export function parseWindowJobId(jobId: string | undefined): WindowJobKey | null {
  const m = jobId ? JOB_ID.exec(jobId) : null;
  if (!m) return null;
  return {
    source: { kind: m[1] === 'live' ? 'live' : 'recording', id: m[2]! },
    channel: m[3] as LiveChannel,
    startSample: Number(m[4]),
  };
}

/** How long an append waits for Redis to take its windows' jobs before answering anyway. */
const ENQUEUE_TIMEOUT_MS = 2_000;

/** Producer of window jobs on the one transcription queue (priority: live before batch). */
export class WindowQueue {
  constructor(private readonly queue: Queue) {}

  /**
   * Adds the job; resolves false when Redis did not take it in time (the window stays marked
   * unqueued and is queued again later: the job id makes that safe).
   */
  async enqueue(job: TranscribeWindowJob, priority: number): Promise<boolean> {
    const data = TranscribeWindowJob.parse(job);
    const source: WindowSource =
      data.source.kind === 'live'
        ? { kind: 'live', id: data.source.liveRecordingId }
        : { kind: 'recording', id: data.source.recordingId };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ENQUEUE_TIMEOUT_MS);
    });
    try {
      return await Promise.race([
        this.queue
          .add(TRANSCRIPTION_JOB_NAMES.window, data, {
            jobId: windowJobId(source, data.channel, data.startSample),
            priority,
          })
          .then(() => true),
        timeout,
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Removes the windows' jobs that wait (a discarded session's). A job a worker holds cannot be
   * removed: its result finds no window and is ignored. Returns how many were removed.
   */
  async remove(source: WindowSource, windows: { channel: LiveChannel; startSample: number }[]) {
    let removed = 0;
    for (const w of windows)
      removed += await this.queue.remove(windowJobId(source, w.channel, w.startSample));
    return removed;
  }

  /** How many of the windows' jobs the queue holds (in any state). */
  async held(source: WindowSource, windows: { channel: LiveChannel; startSample: number }[]) {
    let n = 0;
    for (const w of windows)
      if (await this.queue.getJob(windowJobId(source, w.channel, w.startSample))) n++;
    return n;
  }

  static readonly LIVE = TRANSCRIPTION_PRIORITY.live;
}
