import {
  LIVE_FRAME_BYTES,
  LIVE_MAX_APPEND_BYTES,
  REQUIRED_SAMPLE_RATE,
  TranscribeWindowResult,
  type JobWhisperSettings,
  type LiveChannel,
  type LiveRecording,
  type LiveRecordingDiscarded,
  type LiveTranscript,
  type LiveWindow,
  type OpenLiveRecordingBody,
  type Segment,
  type TranscriptionResult,
  type TranscriptionTimings,
  type WindowAudioQuery,
} from '@cwn/protocol';
import type { Transaction } from 'sequelize';
import { statusesLeftBy } from '../calls/lifecycle/transitions';
import type { Models } from '../db/models';
import { HttpError } from '../http/errors';
import type { AuthUser } from '../http/request-context';
import type { Logger } from '../logger';
import type { FanOut } from '../realtime/fan-out';
import type { RecordingIngest } from '../recordings/ingest.service';
import type { RecordingAudio } from '../recordings/audio.service';
import type { TranscriptsService } from '../transcripts/transcripts.service';
import type { AppendLock } from './append-lock';
import type { LiveAudioLog } from './live-audio-log';
import { recordingSource, type RecordingWindows } from './recording-windows';
import type {
  LiveRecordingRow,
  LiveRepository,
  WindowRow,
  WindowSource,
  WindowTimings,
} from './live.repository';
import { CallWindower, type ChannelWindow } from './windowing/call-windower';
import type { SpeechDetector } from './windowing/speech-detector';
import type { WindowingOptions } from './windowing/window-cutter';
import { channelOf, dataChunkOf, wavHeader } from './wav';
import { parseWindowJobId, WindowQueue } from './window-jobs';

export interface LiveServiceDeps {
  repo: LiveRepository;
  log: LiveAudioLog;
  models: Models;
  lock: AppendLock;
  windows: WindowQueue;
  ingest: RecordingIngest;
  audio: RecordingAudio;
  transcripts: TranscriptsService;
  /** Long uploads' windows (the recordings module's): the sweeper queues those Redis lacks. */
  recordingWindows: RecordingWindows;
  fanOut: FanOut;
  /** Two detectors (they keep state) for one call's windower. */
  detectors: () => Promise<Record<LiveChannel, SpeechDetector>>;
  windowing?: Partial<Omit<WindowingOptions, 'frameSamples' | 'originSample'>>;
  logger: Logger;
  now: () => Date;
  keyId: string;
  maxRecordingSeconds: number;
  idleTimeoutMs: number;
  /** The admins' Whisper settings and the call's NinjaOne vocabulary (decision 1611). */
  jobSettings?: (callId: string) => Promise<JobWhisperSettings>;
}

/** Calls whose job settings are kept in memory at most (the oldest are forgotten first). */
const SETTINGS_KEPT = 500;

interface Windowing {
  windower: CallWindower;
  detectors: Record<LiveChannel, SpeechDetector>;
}

/** A finished window job, as the queue gives it back (events or the reconciliation pass). */
export interface FinishedWindowJob {
  id?: string;
  returnvalue?: unknown;
  failedReason?: string;
  finishedOn?: number;
  /** When the job was added and when its (last) run started: its wait in the queue. */
  timestamp?: number;
  processedOn?: number;
}

/** Whisper's prompt holds about 224 tokens: a window's context is the end of its channel's text. */
const CONTEXT_CHARS = 600;
/** Pieces the log is read in when a windower is rebuilt or the WAV assembled. */
const REPLAY_BYTES = 1024 * 1024;
/**
 * How far back a rebuilt windower replays at most: the longest window (28 s) and the longest append
 * (about 16 s), with a margin. Speech before that was closed into a stored window (or dropped).
 */
const REPLAY_MARGIN_SAMPLES =
  Math.ceil(LIVE_MAX_APPEND_BYTES / LIVE_FRAME_BYTES) + 32 * REQUIRED_SAMPLE_RATE;
/** A close whose session is still `closing` this long after is taken over by the sweeper. */
const STALE_CLOSING_MS = 30_000;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function contextOf(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= CONTEXT_CHARS) return t;
  const tail = t.slice(t.length - CONTEXT_CHARS);
  const space = tail.indexOf(' ');
  return (space >= 0 ? tail.slice(space + 1) : tail).trim();
}

const sourceOf = (row: Pick<LiveRecordingRow, 'id'>): WindowSource => ({
  kind: 'live',
  id: row.id,
});

const windowDto = (w: WindowRow): LiveWindow => ({
  id: w.id,
  channel: w.channel,
  startSample: w.startSample,
  endSample: w.endSample,
  state: w.state,
});

/** A window's segments in call time, spoken by its channel. */
const segmentsOf = (w: WindowRow): Segment[] =>
  (w.segments ?? []).map((s) => ({ ...s, speaker: w.channel }));

const merged = (windows: WindowRow[]): Segment[] =>
  windows
    .filter((w) => w.state === 'done')
    .flatMap(segmentsOf)
    .sort(
      (a, b) => a.startMs - b.startMs || a.endMs - b.endMs || a.speaker.localeCompare(b.speaker),
    );

/**
 * Live recordings (decision 1400): the session's state, its appends into the encrypted live audio
 * log, each channel cut into windows at pauses as the audio arrives (one transcription job per
 * window, live priority), the windows' results stored and pushed, and at close the same encrypted
 * WAV as a batch upload and, once the last window is done, the call's transcript.
 */
export class LiveService {
  private readonly windowers = new Map<string, Windowing>();
  /** Per call: the settings its windows carry, read once (on open or its first window). */
  private readonly settingsByCall = new Map<string, Promise<JobWhisperSettings | undefined>>();
  private readonly serials = new Map<string, Promise<unknown>>();
  private readonly finishing = new Map<string, Promise<void>>();
  private readonly agents = new Map<string, { callId: string; agentId: string }>();

  constructor(private readonly d: LiveServiceDeps) {}

  /**
   * The Whisper settings and vocabulary of a call's windows: read once per call, like a batch
   * call's when it is queued, so an append never waits on NinjaOne more than once; a failure gives
   * the workers' own settings rather than no windows.
   */
  private settingsFor(callId: string): Promise<JobWhisperSettings | undefined> {
    let p = this.settingsByCall.get(callId);
    if (!p) {
      p = (this.d.jobSettings ? this.d.jobSettings(callId) : Promise.resolve(undefined)).catch(
        (err: unknown) => {
          this.d.logger.warn(
            { callId, error: err instanceof Error ? err.message : String(err) },
            'whisper settings unavailable: windows queued with the workers’ own',
          );
          return undefined;
        },
      );
      this.settingsByCall.set(callId, p);
      if (this.settingsByCall.size > SETTINGS_KEPT)
        this.settingsByCall.delete(this.settingsByCall.keys().next().value!);
    }
    return p;
  }

  // ── sessions ─────────────────────────────────────────────────────────────────────────────────

  async open(user: AuthUser, callId: string, body: OpenLiveRecordingBody): Promise<LiveRecording> {
    const call = await this.d.models.Call.findByPk(callId);
    if (!call || call.agentId !== user.id) throw HttpError.notFound('call not found');
    const existing = await this.d.repo.findByCall(callId);
    if (existing) throw await this.exists(existing);
    if (await this.d.models.Recording.count({ where: { callId } })) {
      throw HttpError.conflict('this call already has a recording');
    }
    // read while the first seconds of audio arrive, ready for the first window
    void this.settingsFor(callId);
    const id = crypto.randomUUID();
    await this.d.log.create(id, this.d.keyId);
    let row: LiveRecordingRow | null;
    try {
      row = await this.d.repo.insertRecording({
        id,
        callId,
        agentId: user.id,
        keyId: this.d.keyId,
        languageHint: body.languageHint ?? null,
        openedAt: this.d.now(),
      });
    } catch (err) {
      await this.d.log.remove(id).catch(() => undefined);
      throw err;
    }
    if (!row) {
      // Another open for this call won the race.
      await this.d.log.remove(id).catch(() => undefined);
      const winner = await this.d.repo.findByCall(callId);
      throw winner
        ? await this.exists(winner)
        : HttpError.conflict('this call has a live recording');
    }
    this.announce(row);
    this.d.logger.info({ liveRecordingId: id, callId }, 'live recording opened');
    return this.dto(row);
  }

  private async exists(row: LiveRecordingRow): Promise<HttpError> {
    return new HttpError(
      409,
      'live_recording_exists',
      `this call already has a live recording (${row.id}, ${row.state})`,
      { liveRecordingId: row.id, state: row.state, expectedOffset: await this.heldBytes(row) },
    );
  }

  async get(user: AuthUser, id: string): Promise<LiveRecording> {
    const row = await this.d.repo.findRecording(id);
    if (!row || (user.role === 'agent' && row.agentId !== user.id)) {
      throw HttpError.notFound('live recording not found');
    }
    return this.dto(row);
  }

  /** The session, if `user` is its agent (the only one who writes it); 404 for anyone else. */
  async writable(user: AuthUser, id: string): Promise<LiveRecordingRow> {
    const row = await this.d.repo.findRecording(id);
    if (!row || row.agentId !== user.id) throw HttpError.notFound('live recording not found');
    return row;
  }

  private closedError(row: LiveRecordingRow): HttpError {
    if (row.state === 'discarded') return this.discardedError(row);
    return new HttpError(
      409,
      'live_recording_closed',
      `this live recording is ${row.state}: nothing more is appended`,
      { state: row.state, totalBytes: row.totalBytes },
    );
  }

  private mismatch(expectedOffset: number, what: string): HttpError {
    return new HttpError(
      409,
      'live_offset_mismatch',
      `${what}; the server holds ${expectedOffset} bytes: resume from there`,
      {
        expectedOffset,
      },
    );
  }

  /**
   * Appends `data` at `offset`: durable before it resolves; the same bytes again change nothing;
   * a gap or other bytes are refused naming the offset expected. Windows the new audio closes are
   * stored and queued. Redis or PostgreSQL away: 503, and the client sends the same bytes again
   * (held already, they are then a no-op).
   */
  async append(
    row: LiveRecordingRow,
    offset: number,
    data: Buffer,
  ): Promise<{ offset: number; duplicate: boolean }> {
    if (row.state !== 'open') throw this.closedError(row);
    const maxBytes = this.d.maxRecordingSeconds * REQUIRED_SAMPLE_RATE * LIVE_FRAME_BYTES;
    if (offset + data.length > maxBytes) {
      throw HttpError.payloadTooLarge(
        `a recording is ${this.d.maxRecordingSeconds} s at most (${maxBytes} bytes of audio)`,
      );
    }
    return this.serial(row.id, async () => {
      const release = await this.d.lock.acquire(row.id);
      try {
        // Re-read under the lock: a close may have landed since.
        const current = await this.d.repo.findRecording(row.id);
        if (!current || current.state !== 'open') throw this.closedError(current ?? row);
        const before = await this.d.log.length(row.id, row.keyId);
        const outcome = await this.d.log.append(row.id, row.keyId, offset, data);
        if (outcome.kind === 'gap') {
          throw this.mismatch(outcome.expected, `this append starts at ${offset}, after a gap`);
        }
        if (outcome.kind === 'conflict') {
          throw this.mismatch(
            outcome.expected,
            `this append at ${offset} differs from the audio already held there`,
          );
        }
        if (outcome.kind === 'duplicate') {
          await this.d.repo.recordAppend(row.id, outcome.end, this.d.now());
          await this.queuePending(current);
          return { offset: outcome.end, duplicate: true };
        }
        const fresh = data.subarray(before - offset);
        // a channel whose last window awaits its transcript grows its open one (decision 1401)
        const busy = await this.d.repo.busyChannels(sourceOf(current));
        const windows = await this.cut(current, before, (w) => {
          w.holdBusy(busy);
          return w.append(fresh);
        });
        await this.record(current, windows, outcome.end);
        return { offset: outcome.end, duplicate: false };
      } finally {
        await release();
      }
    });
  }

  /** Closes the session at `totalBytes` (which must be what is held), then makes the recording. */
  async close(row: LiveRecordingRow, totalBytes: number): Promise<LiveRecording> {
    if (row.state !== 'open') {
      if (row.totalBytes === totalBytes) {
        // A repeated close: the same answer (and finish it, if a restart interrupted it).
        if (row.state === 'closing') await this.finish(row.id);
        return this.dto((await this.d.repo.findRecording(row.id)) ?? row);
      }
      throw this.closedError(row);
    }
    await this.serial(row.id, async () => {
      const release = await this.d.lock.acquire(row.id);
      try {
        // Re-read under the lock: a discard may have landed since (its log is gone).
        const current = await this.d.repo.findRecording(row.id);
        if (current?.state === 'discarded') throw this.discardedError(current);
        const held = await this.d.log.length(row.id, row.keyId);
        if (held !== totalBytes) {
          throw this.mismatch(held, `totalBytes is ${totalBytes}: send the missing audio first`);
        }
        const closing = await this.d.repo.markClosing(row.id, held, false, this.d.now());
        if (!closing) {
          const now = await this.d.repo.findRecording(row.id);
          if (now?.totalBytes !== totalBytes) throw this.closedError(now ?? row);
        }
      } finally {
        await release();
      }
    });
    await this.finish(row.id);
    return this.dto((await this.d.repo.findRecording(row.id))!);
  }

  /**
   * Discards an open session ("don't record this call" pressed mid-call), by its agent or an
   * admin: under the append lock (no append or close in between), the session becomes a
   * `discarded` tombstone, its windows and their segments are deleted, their waiting jobs removed
   * (one a worker holds finds no window when it ends and is ignored), and the audio log deleted.
   * It never becomes a recording, so the call keeps its phone status, as a call with no recording
   * (the live path moves a call only when its recording is stored, at close). Closing or closed:
   * 409 (then it is a recording: deleting it is the privacy path).
   */
  async discard(
    user: AuthUser,
    id: string,
  ): Promise<{ row: LiveRecordingRow; bytes: number; windows: number; jobsRemoved: number }> {
    const found = await this.d.repo.findRecording(id);
    if (!found) throw HttpError.notFound('live recording not found');
    if (found.agentId !== user.id && user.role !== 'admin') {
      throw HttpError.forbidden(
        'only the agent of this call (or an admin) discards its live recording',
      );
    }
    if (found.state === 'discarded') throw this.discardedError(found);
    if (found.state !== 'open') {
      throw new HttpError(
        409,
        'live_recording_closed',
        `this live recording is ${found.state}: it is a recording now (delete the call to erase it)`,
        { state: found.state, recordingId: found.recordingId },
      );
    }
    const outcome = await this.serial(id, async () => {
      const release = await this.d.lock.acquire(id);
      try {
        const bytes = await this.heldBytes(found).catch(() => found.offset);
        const source = sourceOf(found);
        const result = await this.d.repo.transaction(async (tx) => {
          const row = await this.d.repo.markDiscarded(id, this.d.now(), tx);
          if (!row) return null;
          return { row, windows: await this.d.repo.deleteWindows(source, tx) };
        });
        if (!result) return null;
        this.drop(id);
        this.settingsByCall.delete(found.callId);
        // After the tombstone: an append that reads the row from now on is refused, so nothing
        // writes the log again once it is gone.
        await this.d.log.remove(id);
        const jobsRemoved = await this.d.windows.remove(source, result.windows).catch((err) => {
          this.d.logger.warn(
            { err, liveRecordingId: id },
            'window jobs of a discarded session not removed (they find no window and are ignored)',
          );
          return 0;
        });
        return { row: result.row, bytes, windows: result.windows.length, jobsRemoved };
      } finally {
        await release();
      }
    });
    if (!outcome) {
      // A close or another discard got there first.
      const now = (await this.d.repo.findRecording(id)) ?? found;
      if (now.state === 'discarded') throw this.discardedError(now);
      throw new HttpError(409, 'live_recording_closed', `this live recording is ${now.state}`, {
        state: now.state,
        recordingId: now.recordingId,
      });
    }
    this.announce(outcome.row);
    this.d.logger.info(
      {
        liveRecordingId: id,
        callId: found.callId,
        bytes: outcome.bytes,
        windows: outcome.windows,
        jobsRemoved: outcome.jobsRemoved,
      },
      'live recording discarded',
    );
    return outcome;
  }

  // ── privacy and retention (their modules call these; the rows are deleted in their transaction) ──

  /** The calls' live recordings (a privacy erasure's or export's holdings). */
  ofCalls(callIds: string[]): Promise<LiveRecordingRow[]> {
    return this.d.repo.byCalls(callIds);
  }

  /**
   * A subject export's view of sessions (decision 1610): the bytes held now and every window with
   * its segments so far (in call time, spoken by its channel).
   */
  async exportView(
    rows: LiveRecordingRow[],
  ): Promise<Array<{ row: LiveRecordingRow; bytesHeld: number; windows: WindowRow[] }>> {
    const out = [];
    for (const row of rows) {
      const windows = (await this.d.repo.windowsOf(sourceOf(row))).map((w) => ({
        ...w,
        segments: segmentsOf(w),
      }));
      out.push({ row, bytesHeld: await this.heldBytes(row), windows });
    }
    return out;
  }

  /**
   * An open or closing session's first `bytes` of audio as a WAV (header + PCM), decrypted from
   * its log piece by piece (each record authenticated). Fails if the log is gone meanwhile (the
   * session closed: its audio is the call's recording now).
   */
  async *heldAudio(row: LiveRecordingRow, bytes: number): AsyncGenerator<Buffer> {
    yield wavHeader(bytes, 2);
    for (let at = 0; at < bytes; at += REPLAY_BYTES)
      yield await this.d.log.read(row.id, row.keyId, at, Math.min(bytes, at + REPLAY_BYTES));
  }

  /**
   * A privacy erasure's irreversible step for these sessions, before their rows go: each one
   * still open stops taking audio (`discarded`, under the append lock, so no append writes the log
   * again), its waiting window jobs are removed and its audio log deleted. Repeatable: running the
   * erasure again finishes it.
   */
  async eraseAudio(rows: LiveRecordingRow[]): Promise<{ logs: number; jobs: number }> {
    let logs = 0;
    let jobs = 0;
    for (const row of rows) {
      await this.serial(row.id, async () => {
        const release = await this.d.lock.acquire(row.id);
        try {
          if (row.state === 'open') await this.d.repo.markDiscarded(row.id, this.d.now());
          this.drop(row.id);
          this.settingsByCall.delete(row.callId);
          this.agents.delete(row.id);
          const source = sourceOf(row);
          jobs += await this.d.windows.remove(source, await this.d.repo.windowsOf(source));
          if (row.state === 'open' || row.state === 'closing') {
            await this.d.log.remove(row.id);
            logs++;
          }
        } finally {
          await release();
        }
      });
    }
    return { logs, jobs };
  }

  /** Deletes the calls' live recordings and windows in the privacy erasure's transaction. */
  deleteForCalls(callIds: string[], tx: Transaction): Promise<number> {
    return this.d.repo.deleteForCalls(callIds, tx);
  }

  /** Transcript retention: windows (their segments are transcript text) created before `cutoff`. */
  purgeWindowsOlderThan(cutoff: Date, dryRun = false): Promise<number> {
    return this.d.repo.purgeWindowsOlderThan(cutoff, dryRun);
  }

  private discardedError(row: LiveRecordingRow): HttpError {
    return new HttpError(
      410,
      'live_recording_discarded',
      'this live recording was discarded: nothing of it is kept and nothing more is taken',
      {
        liveRecordingId: row.id,
        discardedAt: (row.closedAt ?? this.d.now()).toISOString(),
      } satisfies LiveRecordingDiscarded,
    );
  }

  /** Closes a session nobody appended to for the idle timeout: with what arrived, marked cut off. */
  private async cutOff(row: LiveRecordingRow, idleBefore: Date): Promise<void> {
    const closed = await this.serial(row.id, async () => {
      const release = await this.d.lock.acquire(row.id);
      try {
        // An append may have landed since the sweeper's query: then the session is not idle.
        const now = await this.d.repo.findRecording(row.id);
        if (!now || now.state !== 'open' || (now.lastAppendAt ?? now.openedAt) >= idleBefore)
          return null;
        const held = await this.d.log.length(row.id, row.keyId);
        return this.d.repo.markClosing(row.id, held, true, this.d.now());
      } finally {
        await release();
      }
    });
    if (!closed) return;
    this.d.logger.warn(
      { liveRecordingId: row.id, callId: row.callId, bytes: closed.totalBytes },
      'live recording idle: closed by the server (cut off)',
    );
    await this.finish(row.id);
  }

  /**
   * A closing session's last steps, each repeatable (a restart may interrupt them): the windowers
   * flushed (final windows queued), the log turned into the stored WAV through the batch upload's
   * ingest (no batch job: the windows are the transcription), the log removed, `live.changed`,
   * and the transcript once the last window is done.
   */
  finish(id: string): Promise<void> {
    const running = this.finishing.get(id);
    if (running) return running;
    const p = this.doFinish(id).finally(() => this.finishing.delete(id));
    this.finishing.set(id, p);
    return p;
  }

  private async doFinish(id: string): Promise<void> {
    const row = await this.d.repo.findRecording(id);
    if (!row || row.state !== 'closing') return;
    const total = row.totalBytes ?? 0;
    await this.serial(id, async () => {
      const windows = await this.cut(row, total, (w) => w.finish());
      await this.record(row, windows, total);
      this.drop(id);
    });
    let recordingId: string | null = null;
    if (total > 0) {
      const result = await this.d.ingest.ingest(
        this.wav(row, total),
        {
          user: { id: row.agentId, role: 'agent', email: '', displayName: '' },
          meta: {
            callId: row.callId,
            // Not checked for the server's own log (IngestOptions.live): the stored one is computed.
            sha256: '0'.repeat(64),
            ...(row.languageHint ? { languageHint: row.languageHint } : {}),
          },
          idempotencyKey: `live:${row.id}`,
          ip: null,
          requestId: null,
        },
        { live: true },
      );
      recordingId = result.recording.id;
    }
    const closed = await this.d.repo.markClosed(id, recordingId);
    await this.d.log.remove(id);
    if (closed) {
      this.announce(closed);
      this.d.logger.info(
        { liveRecordingId: id, callId: row.callId, recordingId, cutOff: row.cutOff },
        'live recording closed',
      );
    }
    await this.finalize(id);
  }

  // ── windows ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Runs `step` on the session's windower, first rebuilt from the log when this process has none
   * at `before` (a restart, another replica's appends, a failed write): it resumes after each
   * channel's last stored window, so nothing is queued twice and nothing is skipped.
   */
  private async cut(
    row: LiveRecordingRow,
    before: number,
    step: (w: CallWindower) => Promise<ChannelWindow[]>,
  ): Promise<ChannelWindow[]> {
    let w = this.windowers.get(row.id);
    const out: ChannelWindow[] = [];
    if (!w || w.windower.byteOffset !== before) {
      this.drop(row.id);
      // Each channel resumes after its last stored window, but never replays more than a window
      // and an append could hold unstored (a silent channel has no window: without the bound a
      // restart late in a long call would run the VAD over the whole call again).
      const ends = await this.d.repo.lastWindowEnds(sourceOf(row));
      const floor = Math.max(0, before / LIVE_FRAME_BYTES - REPLAY_MARGIN_SAMPLES);
      const resume = { agent: Math.max(ends.agent, floor), caller: Math.max(ends.caller, floor) };
      const detectors = await this.d.detectors();
      w = { windower: new CallWindower(detectors, this.d.windowing ?? {}, resume), detectors };
      this.windowers.set(row.id, w);
      for (let at = w.windower.startByte; at < before; at += REPLAY_BYTES) {
        const piece = await this.d.log.read(
          row.id,
          row.keyId,
          at,
          Math.min(before, at + REPLAY_BYTES),
        );
        out.push(...(await w.windower.append(piece)));
      }
    }
    try {
      out.push(...(await step(w.windower)));
    } catch (err) {
      this.drop(row.id);
      throw err;
    }
    return out;
  }

  private drop(id: string): void {
    const w = this.windowers.get(id);
    if (!w) return;
    this.windowers.delete(id);
    for (const d of Object.values(w.detectors)) void d.close().catch(() => undefined);
  }

  /**
   * Stores the windows and the bytes held in one transaction, then queues the windows' jobs. When
   * the transaction fails the windower is dropped (rebuilt from the log on the next append).
   */
  private async record(
    row: LiveRecordingRow,
    windows: ChannelWindow[],
    end: number,
  ): Promise<void> {
    let rows: WindowRow[];
    try {
      if (windows.length === 0) {
        // most appends close no window: one statement, no transaction round trips
        await this.d.repo.recordAppend(row.id, end, this.d.now());
        return;
      }
      rows = await this.d.repo.transaction(async (tx) => {
        const stored = await this.d.repo.insertWindows(
          sourceOf(row),
          row.callId,
          windows.map((w) => ({
            channel: w.channel,
            startSample: w.startSample,
            endSample: w.endSample,
          })),
          this.d.now(),
          tx,
        );
        await this.d.repo.recordAppend(row.id, end, this.d.now(), tx);
        return stored;
      });
    } catch (err) {
      this.drop(row.id);
      throw err;
    }
    await this.queue(
      row,
      rows.filter((r) => r.state === 'queued' && !r.jobQueued),
    );
  }

  /**
   * Queues the windows' jobs, each with its channel's latest text; the worker builds Whisper's
   * prompt from it and the call's settings and vocabulary, as for a whole call.
   */
  private async queue(row: LiveRecordingRow, windows: WindowRow[]): Promise<void> {
    const queued: string[] = [];
    const settings = await this.settingsFor(row.callId);
    for (const w of windows) {
      const context = contextOf(
        await this.d.repo.latestText(sourceOf(row), w.channel, w.startSample),
      );
      const ok = await this.d.windows.enqueue(
        {
          callId: row.callId,
          source: { kind: 'live', liveRecordingId: row.id },
          channel: w.channel,
          startSample: w.startSample,
          endSample: w.endSample,
          context,
          ...(row.languageHint ? { languageHint: row.languageHint } : {}),
          ...(settings ? { settings } : {}),
        },
        WindowQueue.LIVE,
      );
      if (!ok) {
        this.d.logger.warn(
          { liveRecordingId: row.id, windowId: w.id },
          'window job not queued (Redis away): queued again later',
        );
        break;
      }
      queued.push(w.id);
    }
    await this.d.repo.markJobQueued(queued);
  }

  private async queuePending(row: LiveRecordingRow): Promise<void> {
    const pending = await this.d.repo.unqueuedWindows(sourceOf(row));
    if (pending.length) await this.queue(row, pending);
  }

  // ── window results (from the transcription events) ─────────────────────────────────────────

  isWindowJob(jobId: string | undefined): boolean {
    return parseWindowJobId(jobId) !== null;
  }

  /** A window's job completed: its segments stored (replacing an older run's), pushed, maybe the end. */
  async windowCompleted(job: FinishedWindowJob): Promise<boolean> {
    const w = await this.windowOf(job.id);
    if (!w) return false;
    let value = job.returnvalue;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        // left as the string; the schema below reports it
      }
    }
    const parsed = TranscribeWindowResult.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(result)'}: ${i.message}`)
        .join('; ');
      return this.windowFailed({ ...job, failedReason: `invalid window result (${issues})` });
    }
    const finishedAt = job.finishedOn ? new Date(job.finishedOn) : null;
    const stored = await this.d.repo.storeResult(
      w.id,
      parsed.data,
      finishedAt,
      this.d.now(),
      timingsOf(job, parsed.data.timings),
    );
    if (!stored) {
      // progress is each replica's to send to its own sockets (the fan-out's `local` event)
      if (w.sourceKind === 'recording') await this.recordingProgress(w.sourceId);
      return false;
    }
    if (stored.sourceKind === 'live') {
      const owner = await this.ownerOf(stored.sourceId);
      if (owner) {
        this.d.fanOut.publish(
          'transcript.live',
          {
            callId: stored.callId,
            liveRecordingId: stored.sourceId,
            window: windowDto(stored),
            segments: segmentsOf(stored),
          },
          { agentId: owner.agentId },
        );
      }
      await this.finalize(stored.sourceId);
    } else {
      await this.recordingProgressed(stored.sourceId);
    }
    return true;
  }

  /** A window's job gave up for good: the window is failed (the transcript is written without it). */
  async windowFailed(job: FinishedWindowJob): Promise<boolean> {
    const w = await this.windowOf(job.id);
    if (!w) return false;
    const failed = await this.d.repo.markWindowFailed(
      w.id,
      clip((job.failedReason ?? '').trim() || 'window transcription failed', 2000),
      this.d.now(),
    );
    if (!failed) return false;
    this.d.logger.warn({ windowId: w.id, callId: w.callId }, 'window transcription failed');
    if (failed.sourceKind === 'live') await this.finalize(failed.sourceId);
    else await this.recordingProgressed(failed.sourceId);
    return true;
  }

  /** Reconciliation: finished window jobs whose result or failure the database lacks. */
  async reconcileWindows(
    completed: FinishedWindowJob[],
    failed: FinishedWindowJob[],
  ): Promise<number> {
    const keyed = (jobs: FinishedWindowJob[]) =>
      jobs.flatMap((j) => {
        const key = parseWindowJobId(j.id);
        return key ? [{ job: j, key }] : [];
      });
    const all = [...keyed(completed), ...keyed(failed)];
    const rows = await this.d.repo.windowsByKeys(all.map((a) => a.key));
    const byKey = new Map(
      rows.map((w) => [`${w.sourceKind}/${w.sourceId}/${w.channel}/${w.startSample}`, w]),
    );
    const rowOf = (k: (typeof all)[number]['key']) =>
      byKey.get(`${k.source.kind}/${k.source.id}/${k.channel}/${k.startSample}`);
    let repaired = 0;
    for (const { job, key } of keyed(completed)) {
      const w = rowOf(key);
      const newer =
        w &&
        (w.state !== 'done' ||
          (job.finishedOn !== undefined &&
            (!w.finishedAt || w.finishedAt.getTime() < job.finishedOn)));
      if (newer && (await this.windowCompleted(job))) repaired++;
    }
    for (const { job, key } of keyed(failed)) {
      const w = rowOf(key);
      if (w?.state === 'queued' && (await this.windowFailed(job))) repaired++;
    }
    return repaired;
  }

  private async windowOf(jobId: string | undefined): Promise<WindowRow | null> {
    const key = parseWindowJobId(jobId);
    if (!key) return null;
    const w = await this.d.repo.findWindow(key.source, key.channel, key.startSample);
    if (!w) this.d.logger.warn({ jobId }, 'window job for an unknown window; ignored');
    return w;
  }

  private async ownerOf(id: string): Promise<{ callId: string; agentId: string } | null> {
    const cached = this.agents.get(id);
    if (cached) return cached;
    const row = await this.d.repo.findRecording(id);
    if (!row) return null;
    if (this.agents.size > 1000) this.agents.delete(this.agents.keys().next().value!);
    const owner = { callId: row.callId, agentId: row.agentId };
    this.agents.set(id, owner);
    return owner;
  }

  /**
   * When the session is closed and none of its windows waits any more, writes the call's
   * transcript through the batch result's own path (stored once, call `transcribed`, one
   * `transcript.ready`); every window failed: the call is `failed`.
   */
  async finalize(id: string): Promise<void> {
    const row = await this.d.repo.findRecording(id);
    if (!row || row.state !== 'closed' || !row.recordingId) return;
    await this.writeTranscript(sourceOf(row), row.recordingId, 'live transcription failed');
  }

  /**
   * An uploaded call split into windows (decision 1401) after one of its windows finished: the
   * call `transcribing`, `transcript.progress` at windows finished / windows, and the transcript
   * once none is queued, as for a live call.
   */
  private async recordingProgressed(recordingId: string): Promise<void> {
    if (await this.recordingProgress(recordingId))
      await this.writeTranscript(recordingSource(recordingId), recordingId, 'transcription failed');
  }

  /** The split call `transcribing` and its `transcript.progress`; false once it has a transcript. */
  private async recordingProgress(recordingId: string): Promise<boolean> {
    const state = (await this.d.transcripts.recordingStates([recordingId])).get(recordingId);
    // `uploaded`: still being cut (its windows are queued as the cut reaches them), not finished
    if (!state || state.hasTranscript || state.callStatus === 'uploaded') return false;
    if (state.callStatus === 'queued') await this.d.transcripts.markActive(state);
    const windows = await this.d.repo.windowsOf(recordingSource(recordingId));
    const c = counts(windows);
    if (windows.length) this.d.transcripts.progress(state, (100 * c.done) / windows.length);
    return true;
  }

  /**
   * The transcript of a source's windows, whatever the source, once none is queued: the merged
   * segments through `TranscriptsService.persistResult` (stored once); all of them failed: the
   * call is `failed`.
   */
  private async writeTranscript(
    source: WindowSource,
    recordingId: string,
    failure: string,
  ): Promise<void> {
    const windows = await this.d.repo.windowsOf(source);
    if (windows.some((w) => w.state === 'queued')) return;
    const state = (await this.d.transcripts.recordingStates([recordingId])).get(recordingId);
    if (!state || state.hasTranscript) return;
    const done = windows.filter((w) => w.state === 'done');
    if (windows.length > 0 && done.length === 0) {
      const reason = windows[0]!.failureReason ?? 'every window failed';
      await this.d.transcripts.markFailed(state, `${failure}: ${reason}`);
      return;
    }
    await this.d.transcripts.persistResult(state, this.resultOf(done));
  }

  private resultOf(done: WindowRow[]): TranscriptionResult {
    const votes = new Map<string, number>();
    for (const w of done) if (w.language) votes.set(w.language, (votes.get(w.language) ?? 0) + 1);
    const language = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'und';
    const withSettings = [...done]
      .filter((w) => w.settings)
      .sort((a, b) => b.startSample - a.startSample)[0]?.settings;
    return {
      language,
      segments: merged(done),
      model: done[0]?.model ?? 'none',
      engine: done[0]?.engine ?? 'live',
      timings: liveTimings(done),
      // the latest window's (its prompt is that window's: names, vocabulary, the text before it)
      ...(withSettings ? { settings: withSettings } : {}),
    };
  }

  // ── reading ──────────────────────────────────────────────────────────────────────────────────

  async transcript(user: AuthUser, callId: string): Promise<LiveTranscript> {
    const call = await this.d.models.Call.findByPk(callId);
    if (!call || (user.role === 'agent' && call.agentId !== user.id)) {
      throw HttpError.notFound('call not found');
    }
    const row = await this.d.repo.findByCall(callId);
    if (!row) throw HttpError.notFound('this call has no live recording');
    const windows = await this.d.repo.windowsOf(sourceOf(row));
    return {
      callId,
      liveRecordingId: row.id,
      state: row.state,
      cutOff: row.cutOff,
      segments: merged(windows),
      windows: counts(windows),
    };
  }

  /** A window's audio for a worker: one channel, mono 16 kHz s16 WAV; past what is held: 416. */
  async liveWindowAudio(id: string, q: WindowAudioQuery): Promise<Buffer> {
    const row = await this.d.repo.findRecording(id);
    if (!row) throw HttpError.notFound('live recording not found');
    // 404 is final for a worker: a discarded session's window is not tried again.
    if (row.state === 'discarded') throw HttpError.notFound('this live recording was discarded');
    if (row.state !== 'closed') {
      try {
        const held = await this.d.log.length(row.id, row.keyId);
        if (q.end * LIVE_FRAME_BYTES > held) throw rangeError(held / LIVE_FRAME_BYTES, q);
        const stereo = await this.d.log.read(
          row.id,
          row.keyId,
          q.start * LIVE_FRAME_BYTES,
          q.end * LIVE_FRAME_BYTES,
        );
        return mono(channelOf(stereo, q.channel));
      } catch (err) {
        // Closed meanwhile: the log became the recording.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    const closed = await this.d.repo.findRecording(id);
    if (!closed?.recordingId) throw HttpError.notFound('the audio of this live recording is gone');
    return this.recordingWindowAudio(closed.recordingId, q);
  }

  async recordingWindowAudio(recordingId: string, q: WindowAudioQuery): Promise<Buffer> {
    const r = await this.d.audio.forUser(null, recordingId);
    const size = Number(r.sizeBytes);
    const head = await readAll(await this.d.audio.open(r, 0, Math.min(size, 64 * 1024) - 1));
    const data = dataChunkOf(head);
    if (!data) throw new HttpError(500, 'internal', 'the stored recording has no data chunk');
    const frameBytes = r.channels * 2;
    const frames = Math.floor(Math.min(data.length, size - data.offset) / frameBytes);
    if (q.end > frames) throw rangeError(frames, q);
    const bytes = await readAll(
      await this.d.audio.open(
        r,
        data.offset + q.start * frameBytes,
        data.offset + q.end * frameBytes - 1,
      ),
    );
    return mono(r.channels === 2 ? channelOf(bytes, q.channel) : bytes);
  }

  // ── the sweeper ──────────────────────────────────────────────────────────────────────────────

  /**
   * One pass: closes idle sessions (cut off), finishes closes a restart interrupted, queues the
   * windows Redis did not take, and writes transcripts whose last window finished unseen.
   */
  /** The agents transcribed live at this moment (for the wallboard; ids only). */
  agentsStreaming(): Promise<string[]> {
    return this.d.repo.agentsStreaming();
  }

  async sweep(): Promise<void> {
    const now = this.d.now().getTime();
    const idleBefore = new Date(now - this.d.idleTimeoutMs);
    for (const row of await this.d.repo.idleSince(idleBefore)) {
      await this.cutOff(row, idleBefore).catch((err: unknown) =>
        this.d.logger.warn({ err, liveRecordingId: row.id }, 'idle live recording not closed yet'),
      );
    }
    for (const row of await this.d.repo.closingBefore(new Date(now - STALE_CLOSING_MS))) {
      if (this.finishing.has(row.id)) continue;
      await this.finish(row.id).catch((err: unknown) =>
        this.d.logger.warn(
          { err, liveRecordingId: row.id },
          'live recording close not finished yet',
        ),
      );
    }
    const pending = await this.d.repo.unqueuedWindows();
    const bySource = new Map<string, WindowRow[]>();
    for (const w of pending) {
      if (w.sourceKind !== 'live') continue;
      bySource.set(w.sourceId, [...(bySource.get(w.sourceId) ?? []), w]);
    }
    for (const [id, windows] of bySource) {
      const row = await this.d.repo.findRecording(id);
      if (row && row.state !== 'discarded') await this.queue(row, windows);
    }
    for (const row of await this.d.repo.closedWithoutTranscript(statusesLeftBy('transcribed')))
      await this.finalize(row.id);
    await this.sweepRecordings(pending);
  }

  /**
   * The sweeper's share for long uploads split into windows (decision 1401): windows stored but
   * not queued (Redis away, a restart between storing and queueing) queued again, and the
   * transcript of a recording whose last window finished unseen written.
   */
  private async sweepRecordings(pending: WindowRow[]): Promise<void> {
    const bySource = new Map<string, WindowRow[]>();
    for (const w of pending) {
      if (w.sourceKind !== 'recording') continue;
      bySource.set(w.sourceId, [...(bySource.get(w.sourceId) ?? []), w]);
    }
    for (const [recordingId, windows] of bySource) {
      const r = await this.d.models.Recording.findByPk(recordingId);
      if (!r || r.purgedAt) continue;
      await this.d.recordingWindows.queue(r, windows, await this.settingsFor(r.callId));
    }
    // not `uploaded`: such a call is still being cut (or its cut waits for the start-up re-queue)
    const cutCalls = statusesLeftBy('transcribed').filter((s) => s !== 'uploaded');
    for (const recordingId of await this.d.repo.splitRecordingsWithoutTranscript(cutCalls))
      await this.writeTranscript(recordingSource(recordingId), recordingId, 'transcription failed');
  }

  /** Stops the windowers (their detectors hold native sessions). */
  stop(): void {
    for (const id of [...this.windowers.keys()]) this.drop(id);
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────

  private async heldBytes(row: LiveRecordingRow): Promise<number> {
    if (row.state !== 'open') return row.totalBytes ?? row.offset;
    try {
      return await this.d.log.length(row.id, row.keyId);
    } catch {
      return row.offset;
    }
  }

  private async dto(row: LiveRecordingRow): Promise<LiveRecording> {
    const windows = await this.d.repo.windowsOf(sourceOf(row));
    return {
      id: row.id,
      callId: row.callId,
      state: row.state,
      offset: await this.heldBytes(row),
      windows: counts(windows),
      cutOff: row.cutOff,
      recordingId: row.recordingId,
      openedAt: row.openedAt.toISOString(),
      closedAt: row.closedAt ? row.closedAt.toISOString() : null,
    };
  }

  private announce(row: LiveRecordingRow): void {
    this.d.fanOut.publish(
      'live.changed',
      {
        callId: row.callId,
        agentId: row.agentId,
        liveRecordingId: row.id,
        state: row.state,
        cutOff: row.cutOff,
      },
      { agentId: row.agentId },
    );
  }

  private async *wav(row: LiveRecordingRow, total: number): AsyncGenerator<Buffer> {
    yield wavHeader(total, 2);
    for await (const piece of this.d.log.stream(row.id, row.keyId)) yield piece;
  }

  /** Runs this process's steps on one session one at a time. */
  private serial<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.serials.get(id) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    this.serials.set(id, settled);
    void settled.then(() => {
      if (this.serials.get(id) === settled) this.serials.delete(id);
    });
    return next;
  }
}

/** A window's wait in the queue (added → its last run started) and what the worker reported. */
function timingsOf(
  job: FinishedWindowJob,
  reported: TranscriptionTimings | undefined,
): WindowTimings | null {
  const queueMs =
    job.timestamp !== undefined && job.processedOn !== undefined
      ? Math.max(0, job.processedOn - job.timestamp)
      : null;
  if (!reported) return null;
  return {
    queueMs,
    fetchMs: reported.fetchMs,
    decodeMs: reported.decodeMs,
    transcribeMs: reported.transcribeMs,
    totalMs: reported.totalMs,
  };
}

/**
 * A live transcript's timings, from its windows': the work summed (fetch, decode, transcribe,
 * total), how many windows, their waits in the queue (longest and summed). Windows without
 * timings (older workers) count in `windows` but add nothing.
 */
export function liveTimings(done: WindowRow[]): TranscriptionTimings {
  const sum = { fetchMs: 0, decodeMs: 0, transcribeMs: 0, totalMs: 0, queueMs: 0, queueMsMax: 0 };
  for (const { timings: t } of done) {
    if (!t) continue;
    sum.fetchMs += t.fetchMs;
    sum.decodeMs += t.decodeMs;
    sum.transcribeMs += t.transcribeMs;
    sum.totalMs += t.totalMs;
    sum.queueMs += t.queueMs ?? 0;
    sum.queueMsMax = Math.max(sum.queueMsMax, t.queueMs ?? 0);
  }
  return { ...sum, windows: done.length };
}

function counts(windows: WindowRow[]): LiveRecording['windows'] {
  return {
    queued: windows.filter((w) => w.state === 'queued').length,
    done: windows.filter((w) => w.state !== 'queued').length,
  };
}

const mono = (pcm: Buffer) => Buffer.concat([wavHeader(pcm.length, 1), pcm]);

function rangeError(held: number, q: WindowAudioQuery): HttpError {
  return new HttpError(
    416,
    'range_not_satisfiable',
    `samples ${q.start}-${q.end} are past the ${held} samples held`,
    { heldSamples: held },
  );
}

async function readAll(opened: { stream: AsyncIterable<unknown> }): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of opened.stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
