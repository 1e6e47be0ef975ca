import { QueryTypes, type Sequelize } from 'sequelize';
import type { CallDirection, Segment } from '@cwn/protocol';

/** What the ticket job needs about one validated transcript and its call. */
export interface TicketMaterial {
  transcriptId: string;
  language: string | null;
  segments: Segment[];
  validatedAt: Date | null;
  validatedBy: { id: string; name: string } | null;
  call: {
    id: string;
    direction: CallDirection;
    remoteNumber: string | null;
    remoteName: string | null;
    startedAt: Date;
    endedAt: Date | null;
    agent: { id: string; name: string };
  };
}

/**
 * Where the ticket job reads transcripts from. The transcripts table belongs to another part of
 * the server, so the job depends only on this.
 */
export interface TicketSource {
  /** Null when the transcript does not exist. */
  load(transcriptId: string): Promise<TicketMaterial | null>;
}

interface Row {
  transcript_id: string;
  language: string | null;
  segments: Segment[];
  validated_at: Date | null;
  validated_by: string | null;
  validator_name: string | null;
  call_id: string;
  direction: CallDirection;
  remote_number: string | null;
  remote_name: string | null;
  started_at: Date;
  ended_at: Date | null;
  agent_id: string;
  agent_name: string;
}

/**
 * Reads the `transcripts` table (migration 0003: id, call_id, language, segments JSONB,
 * validated_at, validated_by) joined with its call and the people involved.
 */
export class SqlTicketSource implements TicketSource {
  constructor(private readonly sequelize: Sequelize) {}

  async load(transcriptId: string): Promise<TicketMaterial | null> {
    const rows = await this.sequelize.query<Row>(
      `SELECT t.id AS transcript_id, t.language, t.segments, t.validated_at, t.validated_by,
              v.display_name AS validator_name,
              c.id AS call_id, c.direction, c.remote_number, c.remote_name, c.started_at, c.ended_at,
              a.id AS agent_id, a.display_name AS agent_name
         FROM transcripts t
         JOIN calls c ON c.id = t.call_id
         JOIN users a ON a.id = c.agent_id
         LEFT JOIN users v ON v.id = t.validated_by
        WHERE t.id = :id`,
      { replacements: { id: transcriptId }, type: QueryTypes.SELECT },
    );
    const r = rows[0];
    if (!r) return null;
    return {
      transcriptId: r.transcript_id,
      language: r.language,
      segments: r.segments,
      validatedAt: r.validated_at,
      validatedBy: r.validated_by
        ? { id: r.validated_by, name: r.validator_name ?? 'unknown' }
        : null,
      call: {
        id: r.call_id,
        direction: r.direction,
        remoteNumber: r.remote_number,
        remoteName: r.remote_name,
        startedAt: r.started_at,
        endedAt: r.ended_at,
        agent: { id: r.agent_id, name: r.agent_name },
      },
    };
  }
}
