import { QueryTypes, type Transaction } from 'sequelize';
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

/** Written forms shorter than this are never replaced (they would match unrelated text). */
const MIN_FORM_LENGTH = 6;

/** Append-only log of who did what; never stores secrets (callers pass ids, not bodies). */
export class AuditLog {
  constructor(
    private readonly models: Models,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async write(entry: AuditEntry, tx?: Transaction): Promise<void> {
    await this.models.AuditLog.create(
      {
        at: this.now(),
        action: entry.action,
        actorId: entry.actorId ?? null,
        targetType: entry.targetType ?? null,
        targetId: entry.targetId ?? null,
        details: entry.details ?? null,
        ip: entry.ip ?? null,
        requestId: entry.requestId ?? null,
      },
      { transaction: tx },
    );
  }

  /**
   * The one change an entry may undergo: a person's erasure. Every occurrence of each written form
   * of their number (in the details, or as the target id) becomes `replacement` (a keyed hash), so
   * the entries stay, saying what happened, without the number. Longest forms first, so that a
   * shorter one never cuts a longer one in half. Returns how many entries are (or, in a dry run,
   * would be) changed.
   */
  async pseudonymise(
    forms: string[],
    replacement: string,
    options: { dryRun: boolean; tx?: Transaction },
  ): Promise<number> {
    const sequelize = this.models.AuditLog.sequelize!;
    const usable = [...new Set(forms.map((f) => f.trim()))]
      .filter((f) => f.length >= MIN_FORM_LENGTH)
      .sort((a, b) => b.length - a.length);
    if (usable.length === 0) return 0;
    // Candidates by a plain text search; the replacement itself is made in string values only
    // (in JS), so a number field or a key that happens to hold the digits is never broken.
    const rows = await sequelize.query<{
      id: string;
      details: unknown;
      target_id: string | null;
    }>(
      `SELECT id, details, target_id FROM audit_log
        WHERE target_id IN (:forms)
           OR EXISTS (SELECT 1 FROM unnest(ARRAY[:forms]::text[]) f
                       WHERE strpos(coalesce(details::text, ''), f) > 0)`,
      { replacements: { forms: usable }, type: QueryTypes.SELECT, transaction: options.tx },
    );
    const scrub = (text: string) => usable.reduce((t, f) => t.split(f).join(replacement), text);
    const deep = (v: unknown): unknown =>
      typeof v === 'string'
        ? scrub(v)
        : Array.isArray(v)
          ? v.map(deep)
          : v !== null && typeof v === 'object'
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [scrub(k), deep(x)]))
            : v;
    let changed = 0;
    for (const row of rows) {
      const details = row.details === null ? null : deep(row.details);
      const targetId = row.target_id === null ? null : scrub(row.target_id);
      if (JSON.stringify(details) === JSON.stringify(row.details) && targetId === row.target_id)
        continue; // the digits were only inside a number, not a written form
      changed++;
      if (options.dryRun) continue;
      await this.models.AuditLog.update(
        { details: details as Record<string, unknown> | null, targetId },
        { where: { id: row.id }, transaction: options.tx },
      );
    }
    return changed;
  }
}
