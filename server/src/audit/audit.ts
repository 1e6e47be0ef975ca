import type { Models } from '../db/models';

export interface AuditEntry {
  action: string;
  actorId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  details?: Record<string, unknown> | null;
  ip?: string | null;
  requestId?: string | null;
}

/** Append-only log of who did what; never stores secrets (callers pass ids, not bodies). */
export class AuditLog {
  constructor(
    private readonly models: Models,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async write(entry: AuditEntry): Promise<void> {
    await this.models.AuditLog.create({
      at: this.now(),
      action: entry.action,
      actorId: entry.actorId ?? null,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      details: entry.details ?? null,
      ip: entry.ip ?? null,
      requestId: entry.requestId ?? null,
    });
  }
}
