import { Op, type WhereOptions } from 'sequelize';
import type { Models, RecordingModel } from '../db/models';

/** A recording whose audio retention may delete. */
export interface RetainedRecording {
  id: string;
  callId: string;
  createdAt: Date;
  sizeBytes: number;
}

/**
 * The recordings retention reads and marks, behind which RetentionService's selection rule is
 * specified without a database (retention.service.spec.ts). PostgreSQL's is SqlRetentionRecordings.
 * "Due" always means: created before the cutoff and not purged yet.
 */
export interface RetentionRecordings {
  /** Due recordings, oldest first: `limit` of them from `offset`, leaving out the ids in `except`. */
  due(
    cutoff: Date,
    page: { limit: number; offset?: number; except?: readonly string[] },
  ): Promise<RetainedRecording[]>;
  /** How many recordings are due and their plaintext bytes. */
  dueTotals(cutoff: Date): Promise<{ count: number; bytes: number }>;
  /** Marks the recording's audio deleted (its row, call and transcript stay). */
  markPurged(id: string, at: Date): Promise<void>;
}

const plain = (r: RecordingModel): RetainedRecording => ({
  id: r.id,
  callId: r.callId,
  createdAt: r.createdAt,
  sizeBytes: Number(r.sizeBytes),
});

export class SqlRetentionRecordings implements RetentionRecordings {
  constructor(private readonly models: Models) {}

  private where(cutoff: Date, except: readonly string[] = []): WhereOptions {
    return {
      createdAt: { [Op.lt]: cutoff },
      purgedAt: null,
      ...(except.length ? { id: { [Op.notIn]: [...except] } } : {}),
    };
  }

  async due(
    cutoff: Date,
    page: { limit: number; offset?: number; except?: readonly string[] },
  ): Promise<RetainedRecording[]> {
    const rows = await this.models.Recording.findAll({
      where: this.where(cutoff, page.except),
      order: [['createdAt', 'ASC']],
      limit: page.limit,
      ...(page.offset ? { offset: page.offset } : {}),
    });
    return rows.map(plain);
  }

  async dueTotals(cutoff: Date): Promise<{ count: number; bytes: number }> {
    const where = this.where(cutoff);
    const [count, bytes] = await Promise.all([
      this.models.Recording.count({ where }),
      this.models.Recording.sum('sizeBytes', { where }),
    ]);
    return { count, bytes: Number(bytes ?? 0) };
  }

  async markPurged(id: string, at: Date): Promise<void> {
    await this.models.Recording.update({ purgedAt: at }, { where: { id } });
  }
}
