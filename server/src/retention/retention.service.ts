import { Op } from 'sequelize';
import type { AuditLog } from '../audit/audit';
import type { Models } from '../db/models';
import type { Logger } from '../logger';
import type { EncryptedAudioStore } from '../storage';
import type { UploadSessions } from '../recordings/upload-sessions.service';

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
  uploadSessionsExpired: number;
}

/**
 * The retention policy: audio older than `RETENTION_DAYS` is deleted from the store and its
 * recording marked purged (the row, call and transcript stay); transcripts only when
 * `TRANSCRIPT_RETENTION_DAYS` is set. Each run writes one audit entry with the counts.
 */
export class RetentionService {
  private transcripts: TranscriptPurger | undefined;

  constructor(
    private readonly deps: {
      models: Models;
      store: () => Promise<EncryptedAudioStore>;
      audit: AuditLog;
      uploads: UploadSessions;
      transcripts?: TranscriptPurger;
      logger: Logger;
      audioDays: number;
      transcriptDays: number | null;
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
    const audioCutoff = new Date(now.getTime() - this.deps.audioDays * DAY_MS);
    const report: RetentionReport = {
      dryRun,
      audioCutoff: audioCutoff.toISOString(),
      audioPurged: 0,
      audioBytes: 0,
      audioFailed: 0,
      transcriptCutoff: null,
      transcriptsPurged: null,
      uploadSessionsExpired: 0,
    };
    const store = await this.deps.store();
    const failed = new Set<string>();
    for (;;) {
      const batch = await this.deps.models.Recording.findAll({
        where: {
          createdAt: { [Op.lt]: audioCutoff },
          purgedAt: null,
          ...(failed.size ? { id: { [Op.notIn]: [...failed] } } : {}),
        },
        order: [['createdAt', 'ASC']],
        limit: BATCH,
        ...(dryRun ? { offset: report.audioPurged } : {}),
      });
      if (batch.length === 0) break;
      for (const r of batch) {
        if (!dryRun) {
          try {
            // File first: a failure after it leaves a row that the next run marks (delete is idempotent).
            await store.delete(r.id);
            await r.update({ purgedAt: now });
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
        report.audioBytes += Number(r.sizeBytes);
      }
      if (batch.length < BATCH) break;
    }
    if (this.deps.transcriptDays !== null) {
      const cutoff = new Date(now.getTime() - this.deps.transcriptDays * DAY_MS);
      report.transcriptCutoff = cutoff.toISOString();
      if (this.transcripts)
        report.transcriptsPurged = await this.transcripts.purgeOlderThan(cutoff, dryRun);
      else
        this.deps.logger.warn(
          'TRANSCRIPT_RETENTION_DAYS is set but no transcript purger is registered',
        );
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
}
