import type { Queue } from 'bullmq';
import {
  RetentionLastRun,
  type RetentionOverview,
  type RetentionPreview,
  type RetentionSettings,
} from '@cwn/protocol';
import type { Models } from '../db/models';
import type { SettingsStore } from '../settings/settings-store';
import { RETENTION_SCHEDULER_ID, scheduleRetention } from './maintenance';
import { nextDailyRun, RETENTION_SETTING } from './retention.settings';
import type { RetentionService } from './retention.service';

/**
 * The retention policy as the admin page sees and changes it: the settings in force (stored, or
 * the environment's), the next run as the `maintenance` queue's job scheduler has it, the last
 * real run from the audit entry that `RetentionService.run` writes, and the preview of what the
 * next run removes. A change re-plans the daily job (see the module), so no restart is needed.
 */
export class RetentionOverviewService {
  constructor(
    private readonly deps: {
      models: Models;
      maintenance: Queue;
      store: SettingsStore;
      service: RetentionService;
      now: () => Date;
    },
  ) {}

  /** The daily job at the hour and time zone in force (at start, and after each change). */
  async schedule(settings?: RetentionSettings): Promise<void> {
    const s = settings ?? (await this.deps.store.value(RETENTION_SETTING));
    await scheduleRetention(this.deps.maintenance, s.hour, s.timeZone);
  }

  async update(settings: RetentionSettings, actorId: string) {
    return this.deps.store.write(RETENTION_SETTING, settings, actorId);
  }

  /** Back to the environment's policy (the daily job follows, as on any change). */
  async reset() {
    return this.deps.store.reset(RETENTION_SETTING);
  }

  async overview(): Promise<RetentionOverview> {
    const [stored, nextRunAt, lastRun] = await Promise.all([
      this.deps.store.read(RETENTION_SETTING),
      this.scheduledNext(),
      this.lastRun(),
    ]);
    return {
      ...stored.value,
      source: stored.source,
      updatedAt: stored.updatedAt,
      updatedBy: stored.updatedBy,
      defaults: stored.defaults,
      nextRunAt: nextRunAt?.toISOString() ?? null,
      ...(lastRun ? { lastRun } : {}),
    };
  }

  /**
   * What the next run removes: under the stored settings at the scheduler's next run, or under
   * `proposed` (the page's form, not saved) at the next run those settings would give.
   */
  async preview(proposed?: RetentionSettings): Promise<RetentionPreview> {
    const settings = proposed ?? (await this.deps.store.value(RETENTION_SETTING));
    const scheduled = proposed ? null : await this.scheduledNext();
    const runAt = scheduled ?? nextDailyRun(settings.hour, settings.timeZone, this.deps.now());
    return this.deps.service.preview(settings, runAt);
  }

  private async scheduledNext(): Promise<Date | null> {
    const next = (await this.deps.maintenance.getJobScheduler(RETENTION_SCHEDULER_ID))?.next;
    return typeof next === 'number' ? new Date(next) : null;
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
