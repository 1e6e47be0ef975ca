import {
  AlertThresholds,
  type DashboardAlert,
  type DashboardQueue,
  type WorkerHeartbeat,
} from '@cwn/protocol';
import { defineSetting } from '../settings/settings-store';

/**
 * The thresholds the alerts are computed with: the environment's ALERT_* variables, overridden in
 * /admin/alerts (read at each computation, so a change shows at the next summary).
 */
export const ALERT_THRESHOLDS_SETTING = defineSetting<AlertThresholds>({
  key: 'alerts.thresholds',
  schema: AlertThresholds,
  fromEnvironment: (c) => ({ ...c.alerts }),
});

/** The defaults when nothing is configured (the environment's defaults). */
export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  queueDepth: 20,
  oldestWaitingMinutes: 10,
  minWorkers: 1,
  ninjaOneFailureWindowMinutes: 15,
};

export interface AlertInputs {
  workers: WorkerHeartbeat[];
  queue: DashboardQueue;
  /** Recent NinjaOne failures (null: unknown, no alert). */
  ninjaOne: {
    failing: boolean | null;
    detail?: string;
    /** Why NinjaOne is disconnected (its refresh token was refused); null/absent: not. */
    disconnected?: string | null;
  };
}

/** What deserves a red or amber banner on the wall, most severe first. */
export function computeAlerts(
  input: AlertInputs,
  t: AlertThresholds = DEFAULT_ALERT_THRESHOLDS,
): DashboardAlert[] {
  const alerts: DashboardAlert[] = [];
  const online = input.workers.length;
  if (online < t.minWorkers) {
    alerts.push({
      code: 'no_worker_online',
      severity: 'critical',
      message:
        online === 0
          ? 'No transcription worker is online: calls are recorded but not transcribed.'
          : `Only ${online} transcription worker(s) online, ${t.minWorkers} expected: transcripts will be late.`,
    });
  }
  const { waiting, oldestWaitingSeconds } = input.queue;
  if (waiting > t.queueDepth || (oldestWaitingSeconds ?? 0) > t.oldestWaitingMinutes * 60) {
    alerts.push({
      code: 'queue_backing_up',
      severity: 'warning',
      message: `Transcription queue backing up: ${waiting} waiting, oldest ${Math.round((oldestWaitingSeconds ?? 0) / 60)} min.`,
    });
  }
  if (input.ninjaOne.disconnected) {
    alerts.push({
      code: 'ninjaone_disconnected',
      severity: 'critical',
      message: `NinjaOne is disconnected (${input.ninjaOne.disconnected}): tickets wait until an admin clicks "Connect NinjaOne".`,
    });
  }
  if (input.ninjaOne.failing) {
    alerts.push({
      code: 'ninjaone_failing',
      severity: 'critical',
      message: `NinjaOne ticket creation is failing${input.ninjaOne.detail ? `: ${input.ninjaOne.detail}` : '.'}`,
    });
  }
  return alerts.sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1,
  );
}
