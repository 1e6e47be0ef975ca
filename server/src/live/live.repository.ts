import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type {
  LiveChannel,
  LiveRecordingState,
  LiveWindow,
  Segment,
  TranscribeWindowResult,
  AppliedWhisperSettings,
} from '@cwn/protocol';

export interface LiveRecordingRow {
  id: string;
  callId: string;
  agentId: string;
  state: LiveRecordingState;
  keyId: string;
  offset: number;
  totalBytes: number | null;
  cutOff: boolean;
  languageHint: string | null;
  recordingId: string | null;
  openedAt: Date;
  lastAppendAt: Date | null;
  closedAt: Date | null;
}

/** A window's timings: its wait in the queue, then what the worker reported (milliseconds). */
export interface WindowTimings {
  queueMs: number | null;
  fetchMs: number;
  decodeMs: number;
  transcribeMs: number;
  totalMs: number;
}

export type WindowSource = { kind: 'live'; id: string } | { kind: 'recording'; id: string };

export interface WindowRow {
  id: string;
  sourceKind: WindowSource['kind'];
  sourceId: string;
  callId: string;
  channel: LiveChannel;
  startSample: number;
  endSample: number;
  state: LiveWindow['state'];
  jobQueued: boolean;
  segments: Segment[] | null;
  language: string | null;
  model: string | null;
  engine: string | null;
  /** What the worker applied to this window (null: not done, or an older worker). */
  settings: AppliedWhisperSettings | null;
  /** null: not done, or transcribed by a worker that reported none. */
  timings: WindowTimings | null;
  failureReason: string | null;
  finishedAt: Date | null;
}

export interface NewWindow {
  channel: LiveChannel;
  startSample: number;
  endSample: number;
}

interface RecordingSql {
  id: string;
  call_id: string;
  agent_id: string;
  state: LiveRecordingState;
  key_id: string;
  offset_bytes: string | number;
  total_bytes: string | number | null;
  cut_off: boolean;
  language_hint: string | null;
  recording_id: string | null;
  opened_at: Date;
  last_append_at: Date | null;
  closed_at: Date | null;
}

interface WindowSql {
  id: string;
  source_kind: WindowSource['kind'];
  source_id: string;
  call_id: string;
  channel: LiveChannel;
  start_sample: number;
  end_sample: number;
  state: LiveWindow['state'];
  job_queued: boolean;
  segments: Segment[] | null;
  language: string | null;
  model: string | null;
  engine: string | null;
  settings: AppliedWhisperSettings | null;
  timings: WindowTimings | null;
  failure_reason: string | null;
  finished_at: Date | null;
}

const toRecording = (r: RecordingSql): LiveRecordingRow => ({
  id: r.id,
  callId: r.call_id,
  agentId: r.agent_id,
  state: r.state,
  keyId: r.key_id,
  offset: Number(r.offset_bytes),
  totalBytes: r.total_bytes === null ? null : Number(r.total_bytes),
  cutOff: r.cut_off,
  languageHint: r.language_hint,
  recordingId: r.recording_id,
  openedAt: r.opened_at,
  lastAppendAt: r.last_append_at,
  closedAt: r.closed_at,
});

const toWindow = (w: WindowSql): WindowRow => ({
  id: w.id,
  sourceKind: w.source_kind,
  sourceId: w.source_id,
  callId: w.call_id,
  channel: w.channel,
  startSample: w.start_sample,
  endSample: w.end_sample,
  state: w.state,
  jobQueued: w.job_queued,
  segments: w.segments,
  language: w.language,
  model: w.model,
  engine: w.engine,
  settings: w.settings ?? null,
  timings: w.timings ?? null,
  failureReason: w.failure_reason,
  finishedAt: w.finished_at,
});

/** The SQL behind live recordings and their windows: the only code that reads or writes them. */
export class LiveRepository {
  constructor(private readonly sequelize: Sequelize) {}

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.sequelize.transaction(fn);
  }

  private async select<T extends object>(
    sql: string,
    replacements: Record<string, unknown>,
    tx?: Transaction,
  ): Promise<T[]> {
    return this.sequelize.query<T>(sql, {
      replacements,
      type: QueryTypes.SELECT,
      transaction: tx,
    });
  }

  // ── live recordings ──────────────────────────────────────────────────────────────────────────

  /** The new session, or null when the call has one already (unique call id). */
  async insertRecording(
    r: Pick<LiveRecordingRow, 'id' | 'callId' | 'agentId' | 'keyId' | 'languageHint' | 'openedAt'>,
    tx?: Transaction,
  ): Promise<LiveRecordingRow | null> {
    const rows = await this.select<RecordingSql>(
      `INSERT INTO live_recordings (id, call_id, agent_id, state, key_id, offset_bytes, cut_off,
                                    language_hint, opened_at, last_append_at)
       VALUES (:id, :callId, :agentId, 'open', :keyId, 0, false, :languageHint, :openedAt, :openedAt)
       ON CONFLICT (call_id) DO NOTHING
       RETURNING *`,
      { ...r },
      tx,
    );
    return rows[0] ? toRecording(rows[0]) : null;
  }

  async findRecording(
    id: string,
    tx?: Transaction,
    forUpdate = false,
  ): Promise<LiveRecordingRow | null> {
    const rows = await this.select<RecordingSql>(
      `SELECT * FROM live_recordings WHERE id = :id${forUpdate ? ' FOR UPDATE' : ''}`,
      { id },
      tx,
    );
    return rows[0] ? toRecording(rows[0]) : null;
  }

  async findByCall(callId: string): Promise<LiveRecordingRow | null> {
    const rows = await this.select<RecordingSql>(
      `SELECT * FROM live_recordings WHERE call_id = :callId`,
      { callId },
    );
    return rows[0] ? toRecording(rows[0]) : null;
  }

  /** The calls' live recordings, whatever their state (a privacy erasure's holdings). */
  async byCalls(callIds: string[]): Promise<LiveRecordingRow[]> {
    if (callIds.length === 0) return [];
    const rows = await this.select<RecordingSql>(
      `SELECT * FROM live_recordings WHERE call_id IN (:callIds) ORDER BY opened_at`,
      { callIds },
    );
    return rows.map(toRecording);
  }

  /**
   * Deletes the calls' live recordings and every window of theirs (live or of an uploaded
   * recording), in the caller's transaction: a privacy erasure, before the calls' rows.
   */
  async deleteForCalls(callIds: string[], tx: Transaction): Promise<number> {
    if (callIds.length === 0) return 0;
    await this.sequelize.query(`DELETE FROM live_windows WHERE call_id IN (:callIds)`, {
      replacements: { callIds },
      transaction: tx,
    });
    const rows = await this.select<{ id: string }>(
      `DELETE FROM live_recordings WHERE call_id IN (:callIds) RETURNING id`,
      { callIds },
      tx,
    );
    return rows.length;
  }

  /**
   * Deletes the windows (with their segments, a copy of transcript text) created before
   * `cutoff`, of any source but a session still open or closing; dryRun: counts them. The
   * transcript retention's share of the live tables.
   */
  async purgeWindowsOlderThan(cutoff: Date, dryRun: boolean): Promise<number> {
    const where = `w.created_at < :cutoff
      AND NOT EXISTS (SELECT 1 FROM live_recordings l
                       WHERE w.source_kind = 'live' AND l.id = w.source_id
                         AND l.state IN ('open', 'closing'))`;
    if (dryRun) {
      const rows = await this.select<{ n: string }>(
        `SELECT COUNT(*) AS n FROM live_windows w WHERE ${where}`,
        { cutoff },
      );
      return Number(rows[0]?.n ?? 0);
    }
    const rows = await this.select<{ id: string }>(
      `DELETE FROM live_windows w WHERE ${where} RETURNING id`,
      { cutoff },
    );
    return rows.length;
  }

  /** Records the bytes held after an append (never lowers it: appends may land out of order). */
  async recordAppend(id: string, offset: number, at: Date, tx?: Transaction): Promise<void> {
    await this.sequelize.query(
      `UPDATE live_recordings SET offset_bytes = GREATEST(offset_bytes, :offset), last_append_at = :at
        WHERE id = :id`,
      { replacements: { id, offset, at }, transaction: tx },
    );
  }

  /** open → closing, once; null when it was not open (already closing or closed). */
  async markClosing(
    id: string,
    totalBytes: number,
    cutOff: boolean,
    at: Date,
  ): Promise<LiveRecordingRow | null> {
    const rows = await this.select<RecordingSql>(
      `UPDATE live_recordings
          SET state = 'closing', total_bytes = :totalBytes, offset_bytes = :totalBytes,
              cut_off = :cutOff, closed_at = :at
        WHERE id = :id AND state = 'open'
        RETURNING *`,
      { id, totalBytes, cutOff, at },
    );
    return rows[0] ? toRecording(rows[0]) : null;
  }

  async markClosed(id: string, recordingId: string | null): Promise<LiveRecordingRow | null> {
    const rows = await this.select<RecordingSql>(
      `UPDATE live_recordings SET state = 'closed', recording_id = :recordingId
        WHERE id = :id AND state = 'closing'
        RETURNING *`,
      { id, recordingId },
    );
    return rows[0] ? toRecording(rows[0]) : null;
  }

  /**
   * open → discarded, once ("don't record this call"): what it held is forgotten with it (bytes,
   * language hint); null when it was not open.
   */
  async markDiscarded(id: string, at: Date, tx?: Transaction): Promise<LiveRecordingRow | null> {
    const rows = await this.select<RecordingSql>(
      `UPDATE live_recordings
          SET state = 'discarded', offset_bytes = 0, total_bytes = NULL, language_hint = NULL,
              closed_at = :at
        WHERE id = :id AND state = 'open'
        RETURNING *`,
      { id, at },
      tx,
    );
    return rows[0] ? toRecording(rows[0]) : null;
  }

  /** Open sessions nothing was appended to since `before`. */
  async idleSince(before: Date): Promise<LiveRecordingRow[]> {
    const rows = await this.select<RecordingSql>(
      `SELECT * FROM live_recordings
        WHERE state = 'open' AND COALESCE(last_append_at, opened_at) < :before
        ORDER BY opened_at LIMIT 100`,
      { before },
    );
    return rows.map(toRecording);
  }

  /** Agents whose call streams its audio now (an open session): the wallboard's "live" mark. */
  async agentsStreaming(): Promise<string[]> {
    const rows = await this.select<{ agent_id: string }>(
      `SELECT DISTINCT agent_id FROM live_recordings WHERE state = 'open'`,
      {},
    );
    return rows.map((r) => r.agent_id);
  }

  /** Sessions whose close did not finish (the server stopped in between). */
  async closingBefore(before: Date): Promise<LiveRecordingRow[]> {
    const rows = await this.select<RecordingSql>(
      `SELECT * FROM live_recordings WHERE state = 'closing' AND closed_at < :before
        ORDER BY closed_at LIMIT 100`,
      { before },
    );
    return rows.map(toRecording);
  }

  /**
   * Closed sessions whose call has no transcript yet (their last windows may be done), among
   * calls in `statuses` (those a transcript can still move: a call past `transcribed` without a
   * transcript had it purged by retention, and is never picked again). A `failed` call with no
   * window done is finalize's own outcome for a session whose windows all failed: terminal, so
   * never picked again either (a failed call with a done window still is: a finalize interrupted
   * after a late result).
   */
  async closedWithoutTranscript(statuses: readonly string[]): Promise<LiveRecordingRow[]> {
    const rows = await this.select<RecordingSql>(
      `SELECT l.* FROM live_recordings l
         JOIN calls c ON c.id = l.call_id
        WHERE l.state = 'closed' AND l.recording_id IS NOT NULL
          AND c.status IN (:statuses)
          AND NOT EXISTS (SELECT 1 FROM transcripts t WHERE t.call_id = l.call_id)
          AND NOT EXISTS (SELECT 1 FROM live_windows w
                           WHERE w.source_kind = 'live' AND w.source_id = l.id AND w.state = 'queued')
          AND (c.status <> 'failed'
               OR EXISTS (SELECT 1 FROM live_windows w
                           WHERE w.source_kind = 'live' AND w.source_id = l.id AND w.state = 'done'))
        LIMIT 100`,
      { statuses },
    );
    return rows.map(toRecording);
  }

  /**
   * Uploaded recordings split into windows (decision 1401) none of which is queued, whose call has
   * no transcript yet and is in `statuses` (those a transcript can still move). As for live
   * sessions, a `failed` call with no window done (every window failed) is terminal: not picked.
   */
  async splitRecordingsWithoutTranscript(statuses: readonly string[]): Promise<string[]> {
    const rows = await this.select<{ source_id: string }>(
      `SELECT w.source_id FROM live_windows w
         JOIN calls c ON c.id = w.call_id
        WHERE w.source_kind = 'recording'
          AND c.status IN (:statuses)
          AND NOT EXISTS (SELECT 1 FROM transcripts t WHERE t.call_id = w.call_id)
        GROUP BY w.source_id, c.status
       HAVING bool_and(w.state <> 'queued')
          AND (c.status <> 'failed' OR bool_or(w.state = 'done'))
        LIMIT 100`,
      { statuses },
    );
    return rows.map((r) => r.source_id);
  }

  // ── windows ──────────────────────────────────────────────────────────────────────────────────

  /** Inserts the windows not stored yet (unique per source, channel, start); returns all of them. */
  async insertWindows(
    source: WindowSource,
    callId: string,
    windows: NewWindow[],
    at: Date,
    tx?: Transaction,
  ): Promise<WindowRow[]> {
    const out: WindowRow[] = [];
    for (const w of windows) {
      await this.sequelize.query(
        `INSERT INTO live_windows (id, source_kind, source_id, call_id, channel, start_sample,
                                   end_sample, state, job_queued, created_at, updated_at)
         VALUES (:id, :kind, :sourceId, :callId, :channel, :start, :end, 'queued', false, :at, :at)
         ON CONFLICT (source_kind, source_id, channel, start_sample) DO NOTHING`,
        {
          replacements: {
            id: crypto.randomUUID(),
            kind: source.kind,
            sourceId: source.id,
            callId,
            channel: w.channel,
            start: w.startSample,
            end: w.endSample,
            at,
          },
          transaction: tx,
        },
      );
      const row = await this.findWindow(source, w.channel, w.startSample, tx);
      if (row) out.push(row);
    }
    return out;
  }

  async findWindow(
    source: WindowSource,
    channel: LiveChannel,
    startSample: number,
    tx?: Transaction,
  ): Promise<WindowRow | null> {
    const rows = await this.select<WindowSql>(
      `SELECT * FROM live_windows
        WHERE source_kind = :kind AND source_id = :id AND channel = :channel AND start_sample = :start`,
      { kind: source.kind, id: source.id, channel, start: startSample },
      tx,
    );
    return rows[0] ? toWindow(rows[0]) : null;
  }

  async windowsOf(source: WindowSource): Promise<WindowRow[]> {
    const rows = await this.select<WindowSql>(
      `SELECT * FROM live_windows WHERE source_kind = :kind AND source_id = :id
        ORDER BY start_sample, channel`,
      { kind: source.kind, id: source.id },
    );
    return rows.map(toWindow);
  }

  /** Deletes a source's windows (with their segments); returns what they were. */
  async deleteWindows(source: WindowSource, tx?: Transaction): Promise<WindowRow[]> {
    const rows = await this.select<WindowSql>(
      `DELETE FROM live_windows WHERE source_kind = :kind AND source_id = :id RETURNING *`,
      { kind: source.kind, id: source.id },
      tx,
    );
    return rows.map(toWindow);
  }

  async markJobQueued(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.sequelize.query(`UPDATE live_windows SET job_queued = true WHERE id IN (:ids)`, {
      replacements: { ids },
    });
  }

  /** Windows whose job Redis did not take (it was away), oldest first. */
  async unqueuedWindows(source?: WindowSource): Promise<WindowRow[]> {
    const rows = await this.select<WindowSql>(
      `SELECT * FROM live_windows WHERE state = 'queued' AND job_queued = false
        ${source ? 'AND source_kind = :kind AND source_id = :id' : ''}
        ORDER BY created_at LIMIT 500`,
      source ? { kind: source.kind, id: source.id } : {},
    );
    return rows.map(toWindow);
  }

  /** Per channel, the end of the last window stored (where a rebuilt windower resumes). */
  async lastWindowEnds(source: WindowSource): Promise<Record<LiveChannel, number>> {
    const rows = await this.select<{ channel: LiveChannel; end: number }>(
      `SELECT channel, MAX(end_sample) AS "end" FROM live_windows
        WHERE source_kind = :kind AND source_id = :id GROUP BY channel`,
      { kind: source.kind, id: source.id },
    );
    const out: Record<LiveChannel, number> = { agent: 0, caller: 0 };
    for (const r of rows) out[r.channel] = Number(r.end);
    return out;
  }

  /** The channels with a window still waiting for its transcript (queued, not done or failed). */
  async busyChannels(source: WindowSource): Promise<LiveChannel[]> {
    const rows = await this.select<{ channel: LiveChannel }>(
      `SELECT DISTINCT channel FROM live_windows
        WHERE source_kind = :kind AND source_id = :id AND state = 'queued'`,
      { kind: source.kind, id: source.id },
    );
    return rows.map((r) => r.channel);
  }

  /** The channel's text of the latest transcribed window before `beforeSample` (the context). */
  async latestText(
    source: WindowSource,
    channel: LiveChannel,
    beforeSample: number,
  ): Promise<string> {
    const rows = await this.select<{ segments: Segment[] | null }>(
      `SELECT segments FROM live_windows
        WHERE source_kind = :kind AND source_id = :id AND channel = :channel AND state = 'done'
          AND start_sample < :before
        ORDER BY start_sample DESC LIMIT 1`,
      { kind: source.kind, id: source.id, channel, before: beforeSample },
    );
    return (rows[0]?.segments ?? []).map((s) => s.text.trim()).join(' ');
  }

  /**
   * Stores a window's result unless the same or a later run's is stored already (a retry
   * replaces, a replay of the same completion changes nothing). Returns the row when it changed.
   */
  async storeResult(
    id: string,
    result: TranscribeWindowResult,
    finishedAt: Date | null,
    at: Date,
    timings: WindowTimings | null = null,
  ): Promise<WindowRow | null> {
    const rows = await this.select<WindowSql>(
      `UPDATE live_windows
          SET state = 'done', segments = CAST(:segments AS jsonb), language = :language,
              model = :model, engine = :engine, settings = CAST(:settings AS jsonb),
              timings = CAST(:timings AS jsonb),
              failure_reason = NULL, finished_at = :finishedAt,
              job_queued = true, updated_at = :at
        WHERE id = :id
          AND (state <> 'done' OR (CAST(:finishedAt AS timestamptz) IS NOT NULL
               AND (finished_at IS NULL OR finished_at < CAST(:finishedAt AS timestamptz))))
        RETURNING *`,
      {
        id,
        segments: JSON.stringify(result.segments),
        language: result.language.slice(0, 16),
        model: result.model.slice(0, 200),
        engine: result.engine.slice(0, 100),
        settings: result.settings ? JSON.stringify(result.settings) : null,
        timings: timings ? JSON.stringify(timings) : null,
        finishedAt,
        at,
      },
    );
    return rows[0] ? toWindow(rows[0]) : null;
  }

  /** A window's job gave up for good; never overwrites a stored result. */
  async markWindowFailed(id: string, reason: string, at: Date): Promise<WindowRow | null> {
    const rows = await this.select<WindowSql>(
      `UPDATE live_windows SET state = 'failed', failure_reason = :reason, updated_at = :at
        WHERE id = :id AND state = 'queued'
        RETURNING *`,
      { id, reason, at },
    );
    return rows[0] ? toWindow(rows[0]) : null;
  }

  /** Window states of many (source, channel, start) keys at once, for reconciliation. */
  async windowsByKeys(
    keys: { source: WindowSource; channel: LiveChannel; startSample: number }[],
  ): Promise<WindowRow[]> {
    if (keys.length === 0) return [];
    const ids = [...new Set(keys.map((k) => k.source.id))];
    const rows = await this.select<WindowSql>(
      `SELECT * FROM live_windows WHERE source_id IN (:ids)`,
      { ids },
    );
    const wanted = new Set(
      keys.map((k) => `${k.source.kind}/${k.source.id}/${k.channel}/${k.startSample}`),
    );
    return rows
      .map(toWindow)
      .filter((w) => wanted.has(`${w.sourceKind}/${w.sourceId}/${w.channel}/${w.startSample}`));
  }
}
