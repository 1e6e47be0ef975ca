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
      .filter((f) => f.length >= MIN_FORM_LENGTH && !/["\\]/.test(f))
      .sort((a, b) => b.length - a.length);
    const touched = new Set<string>();
    for (const form of usable) {
      const rows = await sequelize.query<{ id: string }>(
        options.dryRun
          ? `SELECT id FROM audit_log
              WHERE strpos(coalesce(details::text, ''), :form) > 0 OR target_id = :form`
          : `UPDATE audit_log
                SET details = CASE WHEN details IS NULL THEN NULL
                                   ELSE replace(details::text, :form, :replacement)::jsonb END,
                    target_id = CASE WHEN target_id = :form THEN :replacement ELSE target_id END
              WHERE strpos(coalesce(details::text, ''), :form) > 0 OR target_id = :form
          RETURNING id`,
        {
          replacements: { form, replacement },
          type: QueryTypes.SELECT,
          transaction: options.tx,
        },
      );
      for (const r of rows) touched.add(String(r.id));
    }
    return touched.size;
  }
}
