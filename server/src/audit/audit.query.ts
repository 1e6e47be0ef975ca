import { Op, type WhereOptions } from 'sequelize';
import type { AuditEntry, AuditQuery } from '@cwn/protocol';
import type { AuditLogModel, Models } from '../db/models';
import { HttpError } from '../http/errors';

/** The most rows one CSV export holds (a year of a small helpdesk's log). */
export const EXPORT_MAX_ROWS = 50_000;

type Filters = Omit<AuditQuery, 'cursor' | 'limit'>;

/** Reads the audit log, newest first, filtered by actor, action (or `prefix.`) and time range. */
export class AuditQueryService {
  constructor(private readonly models: Models) {}

  async page(q: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const rows = await this.models.AuditLog.findAll({
      where: this.where(q, q.cursor),
      order: [['id', 'DESC']],
      limit: q.limit + 1,
    });
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    return {
      items: await this.withEmails(page),
      nextCursor: more ? String(page[page.length - 1]!.id) : null,
    };
  }

  /** Every matching row (up to EXPORT_MAX_ROWS), for the CSV export. */
  async all(q: Filters): Promise<AuditEntry[]> {
    const count = await this.models.AuditLog.count({ where: this.where(q) });
    if (count > EXPORT_MAX_ROWS) {
      throw HttpError.badRequest(
        `${count} entries match: narrow the dates to export at most ${EXPORT_MAX_ROWS}`,
      );
    }
    const rows = await this.models.AuditLog.findAll({
      where: this.where(q),
      order: [['id', 'DESC']],
    });
    return this.withEmails(rows);
  }

  private where(q: Filters, before?: string): WhereOptions {
    if (q.from && q.to && Date.parse(q.from) > Date.parse(q.to)) {
      throw HttpError.badRequest('from must not be after to');
    }
    const at = {
      ...(q.from ? { [Op.gte]: new Date(q.from) } : {}),
      ...(q.to ? { [Op.lte]: new Date(q.to) } : {}),
    };
    return {
      ...(q.actorId ? { actorId: q.actorId } : {}),
      ...(q.action
        ? { action: q.action.endsWith('.') ? { [Op.startsWith]: q.action } : q.action }
        : {}),
      ...(q.from || q.to ? { at } : {}),
      ...(before ? { id: { [Op.lt]: before } } : {}),
    };
  }

  private async withEmails(rows: AuditLogModel[]): Promise<AuditEntry[]> {
    const ids = [...new Set(rows.map((r) => r.actorId).filter((x): x is string => x !== null))];
    const users = ids.length
      ? await this.models.User.findAll({ where: { id: ids }, attributes: ['id', 'email'] })
      : [];
    const email = new Map(users.map((u) => [u.id, u.email]));
    return rows.map((r) => ({
      id: String(r.id),
      at: r.at.toISOString(),
      actorId: r.actorId,
      actorEmail: r.actorId ? (email.get(r.actorId) ?? null) : null,
      action: r.action,
      targetType: r.targetType,
      targetId: r.targetId,
      details: r.details,
      ip: r.ip,
      requestId: r.requestId,
    }));
  }
}
