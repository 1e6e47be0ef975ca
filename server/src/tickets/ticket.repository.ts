import type { TicketJob, TicketState } from '@cwn/protocol';
import type { Models, TicketModel } from '../db/models';

/** The fields of a ticket row the exactly-once rule reads and writes. */
export interface TicketFields {
  transcriptId: string;
  callId: string;
  requestedBy: string | null;
  state: TicketState;
  externalRef: string;
  organizationId: number | null;
  requesterUid: string | null;
  ninjaoneTicketId: number | null;
  failureReason: string | null;
  attempts: number;
  createdTicketAt: Date | null;
}

/** One transcript's ticket row; `update` writes through before it resolves. */
export interface TicketRow extends TicketFields {
  update(patch: Partial<TicketFields>): Promise<unknown>;
}

/**
 * Where the ticket job keeps its rows (one per transcript), behind which TicketService's
 * exactly-once rule is specified without a database (ticket.service.spec.ts). PostgreSQL's is
 * SqlTicketRepository.
 */
export interface TicketRepository {
  /** The row for this job's transcript, created `pending` with `externalRef` on first sight. */
  rowFor(job: TicketJob, externalRef: string): Promise<TicketRow>;
  /** The agent of a call (told about its ticket), null for no such call. */
  agentOf(callId: string): Promise<string | null>;
}

export class SqlTicketRepository implements TicketRepository {
  constructor(private readonly models: Models) {}

  async rowFor(job: TicketJob, externalRef: string): Promise<TicketModel> {
    const [row] = await this.models.Ticket.findOrCreate({
      where: { transcriptId: job.transcriptId },
      defaults: {
        transcriptId: job.transcriptId,
        callId: job.callId,
        requestedBy: job.requestedBy,
        state: 'pending',
        externalRef,
        organizationId: null,
        requesterUid: null,
        ninjaoneTicketId: null,
        failureReason: null,
        createdTicketAt: null,
      },
    });
    return row;
  }

  async agentOf(callId: string): Promise<string | null> {
    return (await this.models.Call.findByPk(callId, { attributes: ['agentId'] }))?.agentId ?? null;
  }
}
