import type { Queue } from 'bullmq';
import { RetentionLastRun, type RetentionOverview } from '@cwn/protocol';
import type { Models } from '../db/models';
import { RETENTION_SCHEDULER_ID } from './maintenance';

/**
 * What the admin page shows about retention: the configured policy (environment, read-only), the
 * next run as the `maintenance` queue's job scheduler has it, and the last real run from the audit
 * entry that `RetentionService.run` writes.
 */
export class RetentionOverviewService {
  constructor(
    private readonly deps: {
      models: Models;
      maintenance: Queue;
      policy: { audioDays: number; transcriptDays: number | null; hour: number };
    },
  ) {}

  async overview(): Promise<RetentionOverview> {
    const [scheduler, lastRun] = await Promise.all([
      this.deps.maintenance.getJobScheduler(RETENTION_SCHEDULER_ID),
      this.lastRun(),
    ]);
    const next = scheduler?.next;
    return {
      audioDays: this.deps.policy.audioDays,
      transcriptDays: this.deps.policy.transcriptDays,
      hour: this.deps.policy.hour,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      nextRunAt: typeof next === 'number' ? new Date(next).toISOString() : null,
      ...(lastRun ? { lastRun } : {}),
    };
  }

  private async lastRun(): Promise<RetentionLastRun | undefined> {
    const entry = await this.deps.models.AuditLog.findOne({
      where: { action: 'retention.run' },
      order: [['id', 'DESC']],
    });
    if (!entry) return undefined;
    // Details are what the job wrote; an entry that does not have the counts is not shown.
    const counts = RetentionLastRun.omit({ at: true }).safeParse(entry.details);
    return counts.success ? { at: entry.at.toISOString(), ...counts.data } : undefined;
  }
}
