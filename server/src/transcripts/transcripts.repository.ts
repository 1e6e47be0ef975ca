import { Op, QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { CallStatus, Segment, TranscriptionResult } from '@cwn/protocol';
import type { Models, TranscriptEditModel, TranscriptModel } from '../db/models';

/** What the transcription events need to know about a recording, fetched in bulk. */
export interface RecordingState {
  recordingId: string;
  callId: string;
  agentId: string;
  callStatus: CallStatus;
  hasTranscript: boolean;
}

/**
 * The SQL behind transcripts: the only module that reads or writes the transcript tables (the
 * call's status is moved by the call lifecycle).
 */
export class TranscriptsRepository {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly models: Models,
  ) {}

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.sequelize.transaction(fn);
  }

  findById(id: string, tx?: Transaction, forUpdate = false): Promise<TranscriptModel | null> {
    return this.models.Transcript.findByPk(id, {
      transaction: tx,
      ...(forUpdate && tx ? { lock: tx.LOCK.UPDATE } : {}),
    });
  }

  findByCallId(callId: string): Promise<TranscriptModel | null> {
    return this.models.Transcript.findOne({ where: { callId } });
  }

  async recordingDurationMs(recordingId: string, tx?: Transaction): Promise<number | null> {
    const r = await this.models.Recording.findByPk(recordingId, {
      attributes: ['durationMs'],
      transaction: tx,
    });
    return r ? r.durationMs : null;
  }

  findCall(callId: string, tx?: Transaction) {
    return this.models.Call.findByPk(callId, { transaction: tx });
  }

  /** Call, agent, status and whether a transcript exists, for many recordings in one query. */
  async recordingStates(recordingIds: string[]): Promise<Map<string, RecordingState>> {
    if (recordingIds.length === 0) return new Map();
    const rows = await this.sequelize.query<{
      recording_id: string;
      call_id: string;
      agent_id: string;
      status: CallStatus;
      has_transcript: boolean;
    }>(
      `SELECT r.id AS recording_id, c.id AS call_id, c.agent_id, c.status,
              EXISTS (SELECT 1 FROM transcripts t WHERE t.recording_id = r.id) AS has_transcript
         FROM recordings r JOIN calls c ON c.id = r.call_id
        WHERE r.id IN (:ids)`,
      { replacements: { ids: recordingIds }, type: QueryTypes.SELECT },
    );
    return new Map(
      rows.map((r) => [
        r.recording_id,
        {
          recordingId: r.recording_id,
          callId: r.call_id,
          agentId: r.agent_id,
          callStatus: r.status,
          hasTranscript: r.has_transcript,
        },
      ]),
    );
  }

  /**
   * Stores the worker's result unless a transcript for this recording (or call) exists already;
   * returns the new row, or null when another delivery got there first.
   */
  async insertIfAbsent(
    state: Pick<RecordingState, 'recordingId' | 'callId'>,
    result: TranscriptionResult,
    now: Date,
    tx: Transaction,
  ): Promise<TranscriptModel | null> {
    const rows = await this.sequelize.query<{ id: string }>(
      `INSERT INTO transcripts (id, call_id, recording_id, language, segments, model, engine, timings,
                                settings, status, version, created_at, updated_at)
       VALUES (:id, :callId, :recordingId, :language, CAST(:segments AS jsonb), :model, :engine,
               CAST(:timings AS jsonb), CAST(:settings AS jsonb), 'draft', 1, :now, :now)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      {
        replacements: {
          id: crypto.randomUUID(),
          callId: state.callId,
          recordingId: state.recordingId,
          language: result.language.slice(0, 16),
          segments: JSON.stringify(result.segments),
          model: result.model.slice(0, 200),
          engine: result.engine.slice(0, 100),
          timings: JSON.stringify(result.timings),
          settings: result.settings ? JSON.stringify(result.settings) : null,
          now,
        },
        type: QueryTypes.SELECT,
        transaction: tx,
      },
    );
    const inserted = rows[0];
    return inserted ? this.findById(inserted.id, tx) : null;
  }

  addEdit(
    edit: {
      transcriptId: string;
      version: number;
      before: Segment[];
      after: Segment[];
      editedBy: string;
      at: Date;
    },
    tx: Transaction,
  ): Promise<TranscriptEditModel> {
    return this.models.TranscriptEdit.create(
      {
        transcriptId: edit.transcriptId,
        version: edit.version,
        segmentsBefore: edit.before,
        segmentsAfter: edit.after,
        editedBy: edit.editedBy,
        at: edit.at,
      },
      { transaction: tx },
    );
  }

  edits(transcriptId: string): Promise<TranscriptEditModel[]> {
    return this.models.TranscriptEdit.findAll({
      where: { transcriptId },
      order: [['version', 'ASC']],
    });
  }

  countOlderThan(cutoff: Date): Promise<number> {
    return this.models.Transcript.count({ where: { createdAt: { [Op.lt]: cutoff } } });
  }

  /** Deletes transcripts created before `cutoff` (their edit history goes with them). */
  purgeOlderThan(cutoff: Date): Promise<number> {
    return this.models.Transcript.destroy({ where: { createdAt: { [Op.lt]: cutoff } } });
  }
  /** The transcripts of these calls, each with its edit history (oldest first). */
  async ofCalls(
    callIds: string[],
  ): Promise<Array<{ transcript: TranscriptModel; edits: TranscriptEditModel[] }>> {
    if (callIds.length === 0) return [];
    const transcripts = await this.models.Transcript.findAll({ where: { callId: callIds } });
    if (transcripts.length === 0) return [];
    const edits = await this.models.TranscriptEdit.findAll({
      where: { transcriptId: transcripts.map((t) => t.id) },
      order: [['version', 'ASC']],
    });
    return transcripts.map((transcript) => ({
      transcript,
      edits: edits.filter((e) => e.transcriptId === transcript.id),
    }));
  }

  /** Deletes the transcripts of these calls and their edit history; returns both counts. */
  async deleteForCalls(
    callIds: string[],
    tx: Transaction,
  ): Promise<{ transcripts: number; edits: number }> {
    if (callIds.length === 0) return { transcripts: 0, edits: 0 };
    const ids = (
      await this.models.Transcript.findAll({
        attributes: ['id'],
        where: { callId: callIds },
        transaction: tx,
      })
    ).map((t) => t.id);
    if (ids.length === 0) return { transcripts: 0, edits: 0 };
    const edits = await this.models.TranscriptEdit.destroy({
      where: { transcriptId: ids },
      transaction: tx,
    });
    const transcripts = await this.models.Transcript.destroy({
      where: { id: ids },
      transaction: tx,
    });
    return { transcripts, edits };
  }
}
