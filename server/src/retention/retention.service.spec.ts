import { RETENTION_PREVIEW_LIMIT } from '@cwn/protocol';
import type { RetainedRecording, RetentionRecordings } from './retention.repository';
import { RetentionService, type RetentionPolicy, type TranscriptPurger } from './retention.service';

// Which recordings retention deletes, without PostgreSQL: the recordings live in memory behind the
// same RetentionRecordings the SQL one implements; the store, audit and uploads are recorded.

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T03:00:00Z');

class MemoryRecordings implements RetentionRecordings {
  readonly purged = new Map<string, Date>();
  constructor(readonly all: RetainedRecording[]) {}

  private isDue(r: RetainedRecording, cutoff: Date) {
    return r.createdAt < cutoff && !this.purged.has(r.id);
  }

  async due(
    cutoff: Date,
    page: { limit: number; offset?: number; except?: readonly string[] },
  ): Promise<RetainedRecording[]> {
    const offset = page.offset ?? 0;
    return this.all
      .filter((r) => this.isDue(r, cutoff) && !page.except?.includes(r.id))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(offset, offset + page.limit);
  }

  async dueTotals(cutoff: Date) {
    const due = this.all.filter((r) => this.isDue(r, cutoff));
    return { count: due.length, bytes: due.reduce((n, r) => n + r.sizeBytes, 0) };
  }

  async markPurged(id: string, at: Date) {
    this.purged.set(id, at);
  }
}

/** `n` recordings, the i-th created `ageDays(i)` days before NOW, of 1000 + i bytes. */
const recordings = (n: number, ageDays: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `r${String(i).padStart(4, '0')}`,
    callId: `c${i}`,
    createdAt: new Date(NOW.getTime() - ageDays(i) * DAY),
    sizeBytes: 1000 + i,
  }));

function setup(
  all: RetainedRecording[],
  policy: RetentionPolicy,
  opts: { failDelete?: Set<string>; purger?: boolean } = {},
) {
  const repo = new MemoryRecordings(all);
  const deleted: string[] = [];
  const audit: { action: string; details: unknown }[] = [];
  const purges: { cutoff: string; dryRun: boolean }[] = [];
  let sweeps = 0;
  const purger: TranscriptPurger = {
    purgeOlderThan: async (cutoff, dryRun) => {
      purges.push({ cutoff: cutoff.toISOString(), dryRun });
      return 4;
    },
  };
  const quiet = () => undefined;
  const service = new RetentionService({
    recordings: repo,
    store: async () => ({
      delete: async (id: string) => {
        if (opts.failDelete?.has(id)) throw new Error('disk says no');
        deleted.push(id);
        return true;
      },
    }),
    audit: {
      write: async (e) => {
        audit.push({ action: e.action, details: e.details });
      },
    },
    uploads: {
      sweepExpired: async () => {
        sweeps++;
        return 2;
      },
    },
    ...(opts.purger === false ? {} : { transcripts: purger }),
    logger: { info: quiet, warn: quiet, error: quiet } as never,
    policy: async () => policy,
    now: () => NOW,
  });
  return { service, repo, deleted, audit, purges, sweeps: () => sweeps };
}

describe('RetentionService: which audio goes', () => {
  it('deletes the audio of recordings older than audioDays, file first, and keeps the newer ones', async () => {
    // Ages 0, 10, 20, … 90 days; 30 days kept.
    const s = setup(
      recordings(10, (i) => i * 10),
      { audioDays: 30, transcriptDays: null },
    );
    const report = await s.service.run();
    // Oldest first; 30 days old exactly is not older than 30 days.
    expect(s.deleted).toEqual(['r0009', 'r0008', 'r0007', 'r0006', 'r0005', 'r0004']);
    expect([...s.repo.purged.keys()]).toEqual(s.deleted);
    expect([...s.repo.purged.values()].every((at) => at === NOW)).toBe(true);
    expect(report).toMatchObject({
      dryRun: false,
      audioCutoff: new Date(NOW.getTime() - 30 * DAY).toISOString(),
      audioPurged: 6,
      audioBytes: 1004 + 1005 + 1006 + 1007 + 1008 + 1009,
      audioFailed: 0,
      transcriptCutoff: null,
      transcriptsPurged: null,
      uploadSessionsExpired: 2,
    });
    expect(s.audit).toEqual([{ action: 'retention.run', details: report }]);
  });

  it('a recording exactly at the cutoff stays; one already purged is not counted again', async () => {
    const all = recordings(3, () => 30);
    all[1]!.createdAt = new Date(NOW.getTime() - 30 * DAY - 1);
    all[2]!.createdAt = new Date(NOW.getTime() - 31 * DAY);
    const s = setup(all, { audioDays: 30, transcriptDays: null });
    s.repo.purged.set('r0002', new Date(0));
    expect((await s.service.run()).audioPurged).toBe(1);
    expect(s.deleted).toEqual(['r0001']);
  });

  it('goes through more than one batch (450 due) and a second run finds nothing', async () => {
    const s = setup(
      recordings(460, (i) => (i < 450 ? 400 - i / 10 : 1)),
      {
        audioDays: 90,
        transcriptDays: null,
      },
    );
    expect((await s.service.run()).audioPurged).toBe(450);
    expect(new Set(s.deleted).size).toBe(450);
    expect((await s.service.run()).audioPurged).toBe(0);
  });

  it('a file that cannot be deleted is counted, left unmarked and tried by the next run; the rest go', async () => {
    const failDelete = new Set(['r0002']);
    const s = setup(
      recordings(5, () => 100),
      { audioDays: 30, transcriptDays: null },
      { failDelete },
    );
    const first = await s.service.run();
    expect([first.audioPurged, first.audioFailed]).toEqual([4, 1]);
    expect(s.repo.purged.has('r0002')).toBe(false);
    failDelete.clear();
    const second = await s.service.run();
    expect([second.audioPurged, second.audioFailed]).toEqual([1, 0]);
    expect(s.deleted.at(-1)).toBe('r0002');
  });

  it('a dry run counts what a run would delete (past one batch) and deletes, marks and sweeps nothing', async () => {
    const s = setup(
      recordings(250, (i) => (i < 230 ? 100 : 1)),
      { audioDays: 30, transcriptDays: 365 },
    );
    const report = await s.service.run({ dryRun: true, actorId: 'admin' });
    expect([report.audioPurged, report.uploadSessionsExpired]).toEqual([230, 0]);
    expect(report.audioBytes).toBe(
      Array.from({ length: 230 }, (_, i) => 1000 + i).reduce((a, b) => a + b),
    );
    expect([s.deleted, s.repo.purged.size, s.sweeps()]).toEqual([[], 0, 0]);
    expect(s.purges).toEqual([
      { cutoff: new Date(NOW.getTime() - 365 * DAY).toISOString(), dryRun: true },
    ]);
    expect(s.audit.map((a) => a.action)).toEqual(['retention.dry_run']);
  });

  it('transcripts: purged before their own cutoff only when transcriptDays is set and a purger is there', async () => {
    const on = setup([], { audioDays: 30, transcriptDays: 400 });
    expect((await on.service.run()).transcriptsPurged).toBe(4);
    expect(on.purges).toEqual([
      { cutoff: new Date(NOW.getTime() - 400 * DAY).toISOString(), dryRun: false },
    ]);

    const off = setup([], { audioDays: 30, transcriptDays: null });
    expect((await off.service.run()).transcriptsPurged).toBeNull();
    expect(off.purges).toEqual([]);

    const none = setup([], { audioDays: 30, transcriptDays: 400 }, { purger: false });
    const report = await none.service.run();
    expect([report.transcriptCutoff !== null, report.transcriptsPurged]).toEqual([true, null]);
  });

  it('the preview lists the oldest due first (at most the limit) with the full count and bytes, and changes nothing', async () => {
    const total = RETENTION_PREVIEW_LIMIT + 10;
    // Newest-first in storage: the preview must sort.
    const s = setup(
      recordings(total, (i) => 100 + i),
      { audioDays: 1, transcriptDays: null },
    );
    const runAt = new Date(NOW.getTime() + DAY);
    const preview = await s.service.preview(
      { audioDays: 30, transcriptDays: 200, hour: 3, timeZone: 'UTC' },
      runAt,
    );
    expect(preview.audio.count).toBe(total);
    expect(preview.audio.bytes).toBe(
      Array.from({ length: total }, (_, i) => 1000 + i).reduce((a, b) => a + b),
    );
    expect(preview.audio.items).toHaveLength(RETENTION_PREVIEW_LIMIT);
    expect(preview.audio.items[0]!.recordingId).toBe(`r${String(total - 1).padStart(4, '0')}`);
    expect(preview.audioCutoff).toBe(new Date(runAt.getTime() - 30 * DAY).toISOString());
    expect(preview.transcripts).toBe(4);
    expect([s.deleted, s.repo.purged.size, s.audit]).toEqual([[], 0, []]);
  });
});
