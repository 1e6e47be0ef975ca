import type { DashboardAlert, DashboardQueue, WorkerHeartbeat } from '@cwn/protocol';

export interface AlertThresholds {
  /** Waiting transcription jobs above which the queue is "backing up". */
  queueDepth: number;
  /** Age in seconds of the oldest waiting job above which the queue is "backing up". */
  oldestWaitingSeconds: number;
}

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  queueDepth: 20,
  oldestWaitingSeconds: 600,
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
  if (input.workers.length === 0) {
    alerts.push({
      code: 'no_worker_online',
      severity: 'critical',
      message: 'No transcription worker is online: calls are recorded but not transcribed.',
    });
  }
  const { waiting, oldestWaitingSeconds } = input.queue;
  if (waiting > t.queueDepth || (oldestWaitingSeconds ?? 0) > t.oldestWaitingSeconds) {
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
