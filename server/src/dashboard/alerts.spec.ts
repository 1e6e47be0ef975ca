import type { DashboardQueue, WorkerHeartbeat } from '@cwn/protocol';
import { computeAlerts } from './alerts';

const worker: WorkerHeartbeat = {
  id: 'w1',
  host: 'h',
  pid: 1,
  engine: 'whisper.cpp',
  model: 'base',
  gpu: false,
  concurrency: 1,
  active: 0,
  startedAt: '2026-01-01T00:00:00.000Z',
  lastSeenAt: '2026-01-01T00:00:00.000Z',
};
const idleQueue: DashboardQueue = {
  waiting: 0,
  active: 0,
  delayed: 0,
  failed: 0,
  oldestWaitingSeconds: null,
};
const t = {
  queueDepth: 20,
  oldestWaitingMinutes: 10,
  minWorkers: 1,
  ninjaOneFailureWindowMinutes: 15,
};

describe('computeAlerts', () => {
  it('is quiet when a worker is online, the queue is short and NinjaOne works', () => {
    expect(
      computeAlerts({ workers: [worker], queue: idleQueue, ninjaOne: { failing: false } }, t),
    ).toEqual([]);
    expect(
      computeAlerts(
        {
          workers: [worker],
          queue: { ...idleQueue, waiting: 20, oldestWaitingSeconds: 600 },
          ninjaOne: { failing: null },
        },
        t,
      ),
    ).toEqual([]);
  });

  it('raises each alert at its threshold, critical ones first', () => {
    const codes = (
      waiting: number,
      oldest: number | null,
      failing: boolean,
      workers: WorkerHeartbeat[] = [],
    ) =>
      computeAlerts(
        {
          workers,
          queue: { ...idleQueue, waiting, oldestWaitingSeconds: oldest },
          ninjaOne: { failing },
        },
        t,
      ).map((a) => a.code);
    expect(codes(21, 5, false, [worker])).toEqual(['queue_backing_up']);
    expect(codes(1, 601, false, [worker])).toEqual(['queue_backing_up']);
    expect(codes(0, null, false)).toEqual(['no_worker_online']);
    expect(codes(50, 900, true)).toEqual([
      'no_worker_online',
      'ninjaone_failing',
      'queue_backing_up',
    ]);
  });

  it('raises "no worker" below the workers an admin expects, and never when none are expected', () => {
    const codes = (workers: WorkerHeartbeat[], minWorkers: number) =>
      computeAlerts(
        { workers, queue: idleQueue, ninjaOne: { failing: false } },
        { ...t, minWorkers },
      ).map((a) => a.message);
    expect(codes([], 0)).toEqual([]);
    expect(codes([worker], 2)).toEqual([
      'Only 1 transcription worker(s) online, 2 expected: transcripts will be late.',
    ]);
    expect(codes([worker, { ...worker, id: 'w2' }], 2)).toEqual([]);
  });

  it('counts the oldest waiting job in minutes of the threshold', () => {
    const backlog = (oldestWaitingSeconds: number, oldestWaitingMinutes: number) =>
      computeAlerts(
        {
          workers: [worker],
          queue: { ...idleQueue, waiting: 1, oldestWaitingSeconds },
          ninjaOne: { failing: false },
        },
        { ...t, oldestWaitingMinutes },
      ).map((a) => a.code);
    expect(backlog(121, 2)).toEqual(['queue_backing_up']);
    expect(backlog(120, 2)).toEqual([]);
  });
});
