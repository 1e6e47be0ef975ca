import {
  RETENTION_PREVIEW_LIMIT,
  type RetentionPreview,
  type RetentionSettings,
} from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import type { Logger } from '../logger';
import type { EncryptedAudioStore } from '../storage';
import type { UploadSessions } from '../recordings/upload-sessions.service';
import type { RetentionRecordings } from './retention.repository';

const DAY_MS = 86_400_000;
const BATCH = 200;

/**
 * Deletes transcripts older than a cutoff. The transcripts table belongs to another module, which
 * is given at construction; without one `TRANSCRIPT_RETENTION_DAYS` has no effect (and the report
 * says so).
 */
export interface TranscriptPurger {
  /** Count (dryRun) or delete transcripts created before `cutoff`; returns how many. */
  purgeOlderThan(cutoff: Date, dryRun: boolean): Promise<number>;
}

/** The live module's windows: their segments are transcript text, purged with the transcripts. */
export interface LiveWindowPurger {
  /** Count (dryRun) or delete the windows created before `cutoff`; returns how many. */
  purgeWindowsOlderThan(cutoff: Date, dryRun: boolean): Promise<number>;
}

export interface RetentionReport {
  dryRun: boolean;
  audioCutoff: string;
  /** Recordings whose audio was deleted (or would be, in a dry run). */
  audioPurged: number;
  /** Plaintext bytes of that audio. */
  audioBytes: number;
  /** Recordings whose file could not be deleted (kept for the next run). */
  audioFailed: number;
  transcriptCutoff: string | null;
  /** null when transcript retention is off or no purger is registered. */
  transcriptsPurged: number | null;
  /** Live windows (their segments) purged with the transcripts; null as `transcriptsPurged`. */
  liveWindowsPurged: number | null;
  uploadSessionsExpired: number;
}

/** The part of the retention settings a run needs. */
export type RetentionPolicy = Pick<RetentionSettings, 'audioDays' | 'transcriptDays'>;

/**
 * The retention policy: audio older than `audioDays` is deleted from the store and its recording
 * marked purged (the row, call and transcript stay); transcripts only when `transcriptDays` is
 * set. The policy is read at each run (the admin page changes it without a restart). Each run
 * writes one audit entry with the counts.
 */
export class RetentionService {
  private transcripts: TranscriptPurger | undefined;

  constructor(
    private readonly deps: {
      /** The recordings (PostgreSQL's: SqlRetentionRecordings). */
      recordings: RetentionRecordings;
      store: () => Promise<Pick<EncryptedAudioStore, 'delete'>>;
      audit: Pick<AuditLog, 'write'>;
      uploads: Pick<UploadSessions, 'sweepExpired'>;
      transcripts?: TranscriptPurger;
      liveWindows?: LiveWindowPurger;
      logger: Pick<Logger, 'info' | 'warn' | 'error'>;
      /** The policy in force (the settings store's, read at each run). */
      policy: () => Promise<RetentionPolicy>;
      now: () => Date;
    },
  ) {
    this.transcripts = deps.transcripts;
  }

  /** Replaces the transcripts module's purger (tests count what a run asks for). */
  setTranscriptPurger(purger: TranscriptPurger): void {
    this.transcripts = purger;
  }

  async run(options: { dryRun?: boolean; actorId?: string | null } = {}): Promise<RetentionReport> {
    const dryRun = options.dryRun ?? false;
    const now = this.deps.now();
    const policy = await this.deps.policy();
    const audioCutoff = new Date(now.getTime() - policy.audioDays * DAY_MS);
    const report: RetentionReport = {
      dryRun,
      audioCutoff: audioCutoff.toISOString(),
      audioPurged: 0,
      audioBytes: 0,
      audioFailed: 0,
      transcriptCutoff: null,
      transcriptsPurged: null,
      liveWindowsPurged: null,
      uploadSessionsExpired: 0,
    };
    const store = await this.deps.store();
    const failed = new Set<string>();
    for (;;) {
      // A dry run deletes nothing, so it pages on; a run takes the oldest due each time.
      const batch = await this.deps.recordings.due(audioCutoff, {
        limit: BATCH,
        except: [...failed],
        ...(dryRun ? { offset: report.audioPurged } : {}),
      });
      if (batch.length === 0) break;
      for (const r of batch) {
        if (!dryRun) {
          try {
            // File first: a failure after it leaves a row that the next run marks (delete is idempotent).
            await store.delete(r.id);
            await this.deps.recordings.markPurged(r.id, now);
          } catch (err) {
            failed.add(r.id);
            report.audioFailed++;
            this.deps.logger.error(
              { err, recordingId: r.id },
              'retention could not delete a recording',
            );
            continue;
          }
        }
        report.audioPurged++;
        report.audioBytes += r.sizeBytes;
      }
      if (batch.length < BATCH) break;
    }
    if (policy.transcriptDays !== null) {
      const cutoff = new Date(now.getTime() - policy.transcriptDays * DAY_MS);
      report.transcriptCutoff = cutoff.toISOString();
      // The live windows' copies of the text go with the transcripts (first: none is left
      // behind if the transcripts' purge fails half-way).
      if (this.deps.liveWindows)
        report.liveWindowsPurged = await this.deps.liveWindows.purgeWindowsOlderThan(
          cutoff,
          dryRun,
        );
      if (this.transcripts)
        report.transcriptsPurged = await this.transcripts.purgeOlderThan(cutoff, dryRun);
      else
        this.deps.logger.warn('transcript retention is set but no transcript purger is registered');
    }
    if (!dryRun) report.uploadSessionsExpired = await this.deps.uploads.sweepExpired(now);
    await this.deps.audit.write({
      action: dryRun ? 'retention.dry_run' : 'retention.run',
      actorId: options.actorId ?? null,
      targetType: 'recording',
      details: { ...report },
    });
    this.deps.logger.info({ ...report }, 'retention run');
    return report;
  }

  /**
   * What a run at `runAt` under `settings` would remove, as the data stand now: the recordings
   * whose audio goes (oldest first, the first RETENTION_PREVIEW_LIMIT listed) and how many
   * transcripts. Reads only: no audit entry, nothing deleted.
   */
  async preview(settings: RetentionSettings, runAt: Date): Promise<RetentionPreview> {
    const audioCutoff = new Date(runAt.getTime() - settings.audioDays * DAY_MS);
    const [{ count, bytes }, items] = await Promise.all([
      this.deps.recordings.dueTotals(audioCutoff),
      this.deps.recordings.due(audioCutoff, { limit: RETENTION_PREVIEW_LIMIT }),
    ]);
    const transcriptCutoff =
      settings.transcriptDays === null
        ? null
        : new Date(runAt.getTime() - settings.transcriptDays * DAY_MS);
    const transcripts =
      transcriptCutoff && this.transcripts
        ? await this.transcripts.purgeOlderThan(transcriptCutoff, true)
        : null;
    return {
      settings,
      runAt: runAt.toISOString(),
      audioCutoff: audioCutoff.toISOString(),
      audio: {
        count,
        bytes,
        items: items.map((r) => ({
          recordingId: r.id,
          callId: r.callId,
          createdAt: r.createdAt.toISOString(),
          sizeBytes: r.sizeBytes,
        })),
      },
      transcriptCutoff: transcriptCutoff?.toISOString() ?? null,
      transcripts,
    };
  }
}
