import type { Queue } from 'bullmq';
import type { Transaction } from 'sequelize';
import type { TicketJob, TicketStatus } from '@cwn/protocol';
import type { Models, TicketModel } from '../db/models';
import { HttpError } from '../http/errors';
import type { AuthUser } from '../http/request-context';

/**
 * Reading a transcript's ticket and retrying a failed one (validated transcripts are locked, so a
 * retry — e.g. after choosing the organization — cannot go through validation again).
 */
export class TicketStatusService {
  constructor(
    private readonly models: Models,
    private readonly queue: Queue<TicketJob>,
    private readonly baseUrl: () => Promise<string | null>,
  ) {}

  private async load(transcriptId: string, user: AuthUser): Promise<TicketModel> {
    const row = await this.models.Ticket.findOne({ where: { transcriptId } });
    if (!row)
      throw HttpError.notFound('no ticket was requested for this transcript (validate it first)');
    if (user.role === 'agent') {
      const call = await this.models.Call.findByPk(row.callId);
      // Another agent's call is not revealed (404, as GET /api/calls/:id answers).
      if (call?.agentId !== user.id)
        throw HttpError.notFound('no ticket was requested for this transcript (validate it first)');
    }
    return row;
  }

  async get(transcriptId: string, user: AuthUser): Promise<TicketStatus> {
    return this.dto(await this.load(transcriptId, user));
  }

  async retry(
    transcriptId: string,
    organizationId: number | null,
    user: AuthUser,
  ): Promise<TicketStatus> {
    const row = await this.load(transcriptId, user);
    if (row.state === 'created') {
      throw HttpError.conflict(`the ticket already exists in NinjaOne (#${row.ninjaoneTicketId})`);
    }
    const previous = await this.queue.getJob(transcriptId);
    if (previous && !(await previous.isFailed()) && !(await previous.isCompleted())) {
      throw HttpError.conflict('the ticket is being created; wait for the result');
    }
    await previous?.remove();
    await row.update({
      state: row.state === 'creating' ? 'creating' : 'pending',
      failureReason: null,
    });
    await this.queue.add(
      'create-ticket',
      { transcriptId, callId: row.callId, requestedBy: user.id, organizationId },
      { jobId: transcriptId },
    );
    return this.dto(row);
  }

  // ── privacy (the privacy module's erasure and export) ───────────────────────────────────────

  /** Our ticket rows of these calls, with the NinjaOne link of each ticket created there. */
  async ofCalls(callIds: string[]): Promise<Array<{ row: TicketModel; url: string | null }>> {
    if (callIds.length === 0) return [];
    const rows = await this.models.Ticket.findAll({
      where: { callId: callIds },
      order: [['createdAt', 'ASC']],
    });
    const base = rows.some((r) => r.ninjaoneTicketId !== null) ? await this.baseUrl() : null;
    return rows.map((row) => ({ row, url: this.link(base, row) }));
  }

  /** Ticket jobs of these transcripts still in the queue (job id = transcript id). */
  async jobs(transcriptIds: string[]): Promise<number> {
    let n = 0;
    for (const id of transcriptIds) if (await this.queue.getJob(id)) n++;
    return n;
  }

  /** Removes those jobs (their data and results name the call); a running one stays (`left`). */
  async removeJobs(transcriptIds: string[]): Promise<{ removed: number; left: number }> {
    const out = { removed: 0, left: 0 };
    for (const id of transcriptIds) {
      const job = await this.queue.getJob(id);
      if (!job) continue;
      try {
        await job.remove();
        out.removed++;
      } catch {
        out.left++;
      }
    }
    return out;
  }

  /** Deletes our ticket rows of these calls (the erasure's transaction). */
  deleteForCalls(callIds: string[], tx: Transaction): Promise<number> {
    if (callIds.length === 0) return Promise.resolve(0);
    return this.models.Ticket.destroy({ where: { callId: callIds }, transaction: tx });
  }

  private link(base: string | null, row: TicketModel): string | null {
    return base && row.ninjaoneTicketId !== null
      ? `${base}/#/ticketing/ticket/${row.ninjaoneTicketId}`
      : null;
  }

  private async dto(row: TicketModel): Promise<TicketStatus> {
    const base = row.ninjaoneTicketId !== null ? await this.baseUrl() : null;
    return {
      transcriptId: row.transcriptId,
      callId: row.callId,
      state: row.state,
      ticketId: row.ninjaoneTicketId,
      ticketUrl: this.link(base, row),
      organizationId: row.organizationId,
      failureReason: row.failureReason,
      attempts: row.attempts,
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}
