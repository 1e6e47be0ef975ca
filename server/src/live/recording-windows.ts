import { TRANSCRIPTION_PRIORITY, type JobWhisperSettings, type LiveChannel } from '@cwn/protocol';
import type { RecordingModel } from '../db/models';
import type { Logger } from '../logger';
import type { RecordingAudio } from '../recordings/audio.service';
import type { LiveRepository, WindowRow, WindowSource } from './live.repository';
import { CallWindower, type ChannelWindow } from './windowing/call-windower';
import type { SpeechDetector } from './windowing/speech-detector';
import type { WindowingOptions } from './windowing/window-cutter';
import { dataChunkOf } from './wav';
import type { WindowQueue } from './window-jobs';

export interface RecordingWindowsDeps {
  repo: LiveRepository;
  windows: WindowQueue;
  audio: RecordingAudio;
  /** Two detectors (they keep state) for one recording's windower; closed after the cut. */
  detectors: () => Promise<Record<LiveChannel, SpeechDetector>>;
  windowing?: Partial<Omit<WindowingOptions, 'frameSamples' | 'originSample'>>;
  /** Calls at least this long (ms) are split into windows; 0: never (the whole-call job always). */
  minDurationMs: number;
  logger: Logger;
  now: () => Date;
}

/** Pieces the stored WAV is read in while it is cut (whole stereo frames). */
const PIECE_BYTES = 1024 * 1024;

export const recordingSource = (recordingId: string): WindowSource => ({
  kind: 'recording',
  id: recordingId,
});

/**
 * An uploaded call split into window jobs (decision 1401, "Long batch uploads split into window
 * jobs"): the stored WAV read once, both channels cut by the live path's `CallWindower` with the
 * hold on throughout (every window is known at once, so each grows to the longest pause-cut
 * window, up to 28 s, the cheapest), the windows stored with source `recording` and each queued at
 * the batch priority with an empty context, so that they are independent and every free worker
 * context takes one. The transcription queue (`TranscriptionQueue.enqueue`, the one place that
 * queues a call's transcription) asks it first; the results go through the live service's
 * store → finalize, which writes the transcript when no window is left queued.
 */
export class RecordingWindows {
  constructor(private readonly d: RecordingWindowsDeps) {}

  /**
   * Splits the recording when it is long enough (or was split before: its windows are stored):
   * each window is stored and queued as soon as the cut reaches it, so workers start on the first
   * windows while the rest of the call is being cut. False: it is not split (short, mono, or no
   * speech found), and the caller queues the whole-call job.
   *
   * It runs while the call is `uploaded` (the upload, the start-up re-queue of a call left there),
   * and the call moves on only once it returns, so a cut a restart interrupted runs again whole:
   * the same audio gives the same windows, stored once (unique per source, channel and start) and
   * queued once (job id per window). Until then the windows' results are stored but the transcript
   * waits (`LiveService`: a split call still `uploaded` is not finished).
   */
  async split(r: RecordingModel, settings: JobWhisperSettings | undefined): Promise<boolean> {
    const source = recordingSource(r.id);
    const before = await this.d.repo.windowsOf(source);
    const long = this.d.minDurationMs > 0 && r.durationMs >= this.d.minDurationMs;
    if (before.length === 0 && (!long || r.channels !== 2)) return false;
    const t0 = performance.now();
    let windows = 0;
    await this.cut(r, async (cut) => {
      windows += cut.length;
      const stored = await this.d.repo.transaction((tx) =>
        this.d.repo.insertWindows(
          source,
          r.callId,
          cut.map((w) => ({
            channel: w.channel,
            startSample: w.startSample,
            endSample: w.endSample,
          })),
          this.d.now(),
          tx,
        ),
      );
      const pending = stored.filter((w) => w.state === 'queued' && !w.jobQueued);
      const queued = await this.queue(r, pending, settings);
      if (queued < pending.length) {
        // Redis did not take them: the caller's error path leaves the call `uploaded` (cut and
        // queued again at the next start); the sweeper queues the stored ones meanwhile.
        throw new Error(
          `${pending.length - queued} window jobs of ${r.id} not queued (Redis away)`,
        );
      }
    });
    if (windows === 0) return false;
    this.d.logger.info(
      {
        recordingId: r.id,
        callId: r.callId,
        windows,
        durationMs: r.durationMs,
        cutMs: Math.round(performance.now() - t0),
      },
      'long upload split into window jobs',
    );
    return true;
  }

  /**
   * Queues the windows' jobs (batch priority, no context, the call's settings and vocabulary);
   * returns how many Redis took, in order (it stops at the first refused).
   */
  async queue(
    r: Pick<RecordingModel, 'id' | 'callId' | 'languageHint'>,
    windows: WindowRow[],
    settings: JobWhisperSettings | undefined,
  ): Promise<number> {
    const done: string[] = [];
    for (const w of windows) {
      const ok = await this.d.windows.enqueue(
        {
          callId: r.callId,
          source: { kind: 'recording', recordingId: r.id },
          channel: w.channel,
          startSample: w.startSample,
          endSample: w.endSample,
          // Independent windows: no channel text, so they run in parallel on every free context.
          context: '',
          ...(r.languageHint && /^[a-z]{2,3}$/.test(r.languageHint)
            ? { languageHint: r.languageHint }
            : {}),
          ...(settings ? { settings } : {}),
        },
        TRANSCRIPTION_PRIORITY.batch,
      );
      if (!ok) break;
      done.push(w.id);
    }
    await this.d.repo.markJobQueued(done);
    return done.length;
  }

  /**
   * Removes the recording's window jobs (a privacy erasure: a finished job's result holds its
   * text). A job a worker holds cannot be removed: its result finds no window and is ignored.
   * Returns how many were removed; `dryRun`: how many the queue holds.
   */
  async removeJobs(recordingId: string, dryRun = false): Promise<number> {
    const source = recordingSource(recordingId);
    const windows = await this.d.repo.windowsOf(source);
    if (!dryRun) return this.d.windows.remove(source, windows);
    return this.d.windows.held(source, windows);
  }

  /** Both channels of the stored WAV cut into windows, read once (decrypted piece by piece). */
  private async cut(
    r: RecordingModel,
    emit: (windows: ChannelWindow[]) => Promise<void>,
  ): Promise<void> {
    const size = Number(r.sizeBytes);
    const opened = await this.d.audio.open(r, 0, size - 1);
    const detectors = await this.d.detectors();
    const windower = new CallWindower(detectors, this.d.windowing ?? {});
    let head: Buffer | null = Buffer.alloc(0);
    let left = 0;
    let carry = Buffer.alloc(0);
    const feed = async (pcm: Buffer) => {
      const all = carry.length ? Buffer.concat([carry, pcm]) : pcm;
      const whole = all.length - (all.length % 4);
      carry = Buffer.from(all.subarray(whole));
      for (let at = 0; at < whole; at += PIECE_BYTES) {
        // hold on throughout: a pause only marks a cut, the window grows to 28 s (decision 1401)
        windower.holdBusy(['agent', 'caller']);
        const cut = await windower.append(all.subarray(at, Math.min(whole, at + PIECE_BYTES)));
        if (cut.length) await emit(cut);
      }
    };
    try {
      for await (const chunk of opened.stream as AsyncIterable<Buffer>) {
        if (head) {
          head = Buffer.concat([head, chunk]);
          const data = dataChunkOf(head);
          if (!data) {
            if (head.length > 64 * 1024) throw new Error(`recording ${r.id} has no data chunk`);
            continue;
          }
          left = data.length;
          const rest = head.subarray(data.offset);
          head = null;
          const take = rest.subarray(0, left);
          left -= take.length;
          await feed(take);
          continue;
        }
        if (left <= 0) break;
        const take = chunk.subarray(0, left);
        left -= take.length;
        await feed(take);
      }
      const last = await windower.finish();
      if (last.length) await emit(last);
    } finally {
      for (const det of Object.values(detectors)) await det.close().catch(() => undefined);
    }
  }
}
