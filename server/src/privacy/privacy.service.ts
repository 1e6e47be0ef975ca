import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type {
  PrivacyCall,
  PrivacyCounts,
  PrivacyOutside,
  PrivacyReport,
  SubjectExport,
} from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import type { CallsService } from '../calls/calls.service';
import type {
  CallModel,
  RecordingModel,
  TicketModel,
  TranscriptEditModel,
  TranscriptModel,
  UploadSessionModel,
} from '../db/models';
import type { LiveRecordingRow } from '../live/live.repository';
import type { LiveService } from '../live/live.service';
import type { Logger } from '../logger';
import type { RecordingErasure } from '../recordings/recording-erasure';
import type { UploadSessions } from '../recordings/upload-sessions.service';
import type { TicketStatusService } from '../tickets/ticket-status';
import type { TranscriptsService } from '../transcripts/transcripts.service';
import { writtenForms, type Pseudonyms, type Subject } from './subject';

/** Who asks, for the audit entry. */
export interface Actor {
  id: string;
  ip: string | null;
  requestId: string | null;
}

/** Everything held about a set of calls (and a subject's upload sessions). */
export interface Holdings {
  calls: CallModel[];
  recordings: RecordingModel[];
  /** Recordings whose encrypted file is in the store. */
  stored: RecordingModel[];
  transcripts: Array<{ transcript: TranscriptModel; edits: TranscriptEditModel[] }>;
  tickets: Array<{ row: TicketModel; url: string | null }>;
  sessions: UploadSessionModel[];
  /** The calls' live recordings (an open one's audio log, every one's windows). */
  live: LiveRecordingRow[];
  queueJobs: number;
}

export interface PrivacyDeps {
  sequelize: Sequelize;
  calls: CallsService;
  live: Pick<LiveService, 'ofCalls' | 'eraseAudio' | 'deleteForCalls' | 'exportView' | 'heldAudio'>;
  recordings: RecordingErasure;
  uploads: UploadSessions;
  transcripts: TranscriptsService;
  tickets: TicketStatusService;
  audit: AuditLog;
  pseudonyms: Pseudonyms;
  /** Forgets cached NinjaOne lookups (the directory behind caller matches). */
  forgetNinjaOneLookups: () => void;
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
  now: () => Date;
}

const callDto = (c: CallModel): PrivacyCall => ({
  id: c.id,
  direction: c.direction,
  status: c.status,
  startedAt: c.startedAt.toISOString(),
  remoteNumber: c.remoteNumber,
  remoteName: c.remoteName,
});

/**
 * The privacy actions: find everything held about a phone number (or one call), erase it, or
 * export it. Each action answers the same report, dry run or not, and writes one audit entry that
 * names the subject by its keyed hash only. Rows are deleted through their owners (recordings,
 * transcripts, tickets, calls, audit); nothing here moves a call's status.
 */
export class PrivacyService {
  constructor(private readonly d: PrivacyDeps) {}

  /** The calls whose number, in whatever form it was written, is the subject's. */
  async callsOf(subject: Subject): Promise<CallModel[]> {
    if (!subject.tail) return [];
    const candidates = await this.d.calls.withNumberEndingIn(subject.tail);
    return candidates.filter((c) => subject.matches(c.remoteNumber));
  }

  async holdings(calls: CallModel[], subject: Subject | null): Promise<Holdings> {
    const callIds = calls.map((c) => c.id);
    const recordings = await this.d.recordings.ofCalls(callIds);
    const transcripts = await this.d.transcripts.ofCalls(callIds);
    const tickets = await this.d.tickets.ofCalls(callIds);
    const sessions = subject
      ? await this.d.uploads.findByMetadata((m) =>
          subject.matches(typeof m.remoteNumber === 'string' ? m.remoteNumber : null),
        )
      : [];
    const queueJobs =
      (await this.d.recordings.jobs(recordings)) +
      (await this.d.tickets.jobs(transcripts.map((t) => t.transcript.id)));
    return {
      calls,
      recordings,
      stored: await this.d.recordings.stored(recordings),
      transcripts,
      tickets,
      sessions,
      live: await this.d.live.ofCalls(callIds),
      queueJobs,
    };
  }

  private report(
    h: Holdings,
    o: { dryRun: boolean; subject: Subject | null; auditEntries: number },
  ): PrivacyReport {
    const counts: PrivacyCounts = {
      calls: h.calls.length,
      recordings: h.recordings.length,
      // an open (or closing) live recording's audio log is one more file
      audioFiles:
        h.stored.length + h.live.filter((l) => l.state === 'open' || l.state === 'closing').length,
      audioBytes: h.stored.reduce((n, r) => n + Number(r.sizeBytes), 0),
      transcripts: h.transcripts.length,
      transcriptEdits: h.transcripts.reduce((n, t) => n + t.edits.length, 0),
      tickets: h.tickets.length,
      uploadSessions: h.sessions.length,
      liveRecordings: h.live.length,
      queueJobs: h.queueJobs,
      auditEntries: o.auditEntries,
    };
    const ninjaoneTickets = h.tickets.flatMap(({ row, url }) =>
      row.ninjaoneTicketId === null
        ? []
        : [{ callId: row.callId, ticketId: row.ninjaoneTicketId, url }],
    );
    const outside: PrivacyOutside[] = [];
    if (ninjaoneTickets.length) outside.push('ninjaone_tickets');
    if (h.calls.length) outside.push('push_delivered', 'backups');
    const nothingFound = h.calls.length === 0 && h.sessions.length === 0 && o.auditEntries === 0;
    return {
      dryRun: o.dryRun,
      e164: o.subject?.e164 ?? null,
      pseudonym: o.subject ? this.d.pseudonyms.of(o.subject) : null,
      calls: h.calls.map(callDto),
      counts,
      ninjaoneTickets,
      outside,
      nothingFound,
    };
  }

  /** Erase everything for a phone number (or, `dryRun`, say what would go). */
  async eraseSubject(subject: Subject, dryRun: boolean, actor: Actor): Promise<PrivacyReport> {
    const calls = await this.callsOf(subject);
    const h = await this.holdings(calls, subject);
    const forms = writtenForms(subject, [
      ...calls.map((c) => c.remoteNumber),
      ...h.sessions.map((s) =>
        typeof s.metadata.remoteNumber === 'string' ? s.metadata.remoteNumber : null,
      ),
    ]);
    const pseudonym = this.d.pseudonyms.of(subject);
    return this.erase(h, {
      dryRun,
      actor,
      subject,
      pseudonymise: { forms, pseudonym },
      audit: {
        action: dryRun ? 'privacy.erase.dry_run' : 'privacy.erase',
        targetType: 'subject',
        targetId: pseudonym,
      },
    });
  }

  /** Delete one call and everything attached to it (or, `dryRun`, say what would go). */
  async deleteCall(call: CallModel, dryRun: boolean, actor: Actor): Promise<PrivacyReport> {
    const h = await this.holdings([call], null);
    return this.erase(h, {
      dryRun,
      actor,
      subject: null,
      pseudonymise: null,
      audit: {
        action: dryRun ? 'call.delete.dry_run' : 'call.delete',
        targetType: 'call',
        targetId: call.id,
      },
    });
  }

  private async erase(
    h: Holdings,
    o: {
      dryRun: boolean;
      actor: Actor;
      subject: Subject | null;
      pseudonymise: { forms: string[]; pseudonym: string } | null;
      audit: { action: string; targetType: string; targetId: string };
    },
  ): Promise<PrivacyReport> {
    const callIds = h.calls.map((c) => c.id);
    const transcriptIds = h.transcripts.map((t) => t.transcript.id);
    const entry = (report: PrivacyReport) => ({
      action: o.audit.action,
      actorId: o.actor.id,
      targetType: o.audit.targetType,
      targetId: o.audit.targetId,
      details: {
        counts: report.counts,
        callIds,
        ninjaoneTicketIds: report.ninjaoneTickets.map((t) => t.ticketId),
        nothingFound: report.nothingFound,
      },
      ip: o.actor.ip,
      requestId: o.actor.requestId,
    });

    if (o.dryRun) {
      const auditEntries = o.pseudonymise
        ? await this.d.audit.pseudonymise(o.pseudonymise.forms, o.pseudonymise.pseudonym, {
            dryRun: true,
          })
        : 0;
      const report = this.report(h, { dryRun: true, subject: o.subject, auditEntries });
      await this.d.audit.write(entry(report));
      return report;
    }

    // The audio first (the step that cannot be undone, and idempotent): if the database part
    // fails afterwards, running the erasure again finishes it.
    const destroyed = await this.d.recordings.destroyAudio(h.recordings);
    // An open session stops taking audio and its log goes, with its waiting window jobs.
    const live = await this.d.live.eraseAudio(h.live);
    const ticketJobs = await this.d.tickets.removeJobs(transcriptIds);
    await this.d.uploads.discardSessions(h.sessions);
    let auditEntries = 0;
    await this.d.sequelize.transaction(async (tx) => {
      await this.d.transcripts.deleteForCalls(callIds, tx);
      await this.d.tickets.deleteForCalls(callIds, tx);
      await this.d.live.deleteForCalls(callIds, tx);
      await this.d.recordings.deleteRows(callIds, tx);
      await this.d.calls.deleteRows(callIds, tx);
      if (o.pseudonymise)
        auditEntries = await this.d.audit.pseudonymise(
          o.pseudonymise.forms,
          o.pseudonymise.pseudonym,
          { dryRun: false, tx },
        );
    });
    await this.dropIdempotentAnswers([...callIds, ...transcriptIds]);
    if (h.calls.length) this.d.forgetNinjaOneLookups();
    const report = this.report(
      { ...h, queueJobs: destroyed.jobs + ticketJobs.removed + live.jobs },
      { dryRun: false, subject: o.subject, auditEntries },
    );
    report.counts.audioFiles = destroyed.files + live.logs;
    await this.d.audit.write(entry(report));
    // Counts only: never the number, the names or the text.
    this.d.logger.info(
      {
        action: o.audit.action,
        calls: report.counts.calls,
        audioFiles: report.counts.audioFiles,
        jobsLeft: destroyed.jobsLeft + ticketJobs.left,
      },
      'privacy: erased',
    );
    return report;
  }

  /**
   * Replayed answers of idempotent transcript writes hold the transcript's text for a day
   * (docs/decisions/0402-idempotency-keys-in-redis.md): those naming an erased call or transcript go.
   */
  private async dropIdempotentAnswers(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    let cursor = '0';
    do {
      const [next, keys] = await this.d.redis.scan(
        cursor,
        'MATCH',
        `${this.d.redisPrefix}:idempotency:*`,
        'COUNT',
        500,
      );
      cursor = next;
      for (const key of keys) {
        const value = await this.d.redis.get(key);
        if (value && ids.some((id) => value.includes(id))) await this.d.redis.del(key);
      }
    } while (cursor !== '0');
  }

  /** A subject access export's dry run: what the ZIP will hold. */
  async exportPlan(subject: Subject, actor: Actor): Promise<{ report: PrivacyReport }> {
    const h = await this.holdings(await this.callsOf(subject), subject);
    const report = this.report(h, { dryRun: true, subject, auditEntries: 0 });
    await this.d.audit.write({
      action: 'privacy.export.dry_run',
      actorId: actor.id,
      targetType: 'subject',
      targetId: report.pseudonym,
      details: { counts: report.counts, callIds: h.calls.map((c) => c.id) },
      ip: actor.ip,
      requestId: actor.requestId,
    });
    return { report };
  }

  /**
   * Everything for an export: the JSON document and, with `includeAudio`, the recordings to add
   * (decrypted by the caller, streaming). Audited before anything is sent.
   */
  async exportData(
    subject: Subject,
    includeAudio: boolean,
    actor: Actor,
  ): Promise<{
    document: SubjectExport;
    audio: RecordingModel[];
    liveAudio: LiveAudioEntry[];
    report: PrivacyReport;
  }> {
    const h = await this.holdings(await this.callsOf(subject), subject);
    const report = this.report(h, { dryRun: false, subject, auditEntries: 0 });
    const audio = includeAudio ? h.stored : [];
    const inZip = new Set(audio.map((r) => r.id));
    const iso = (d: Date | null) => (d ? d.toISOString() : null);
    // Live sessions whose call has no transcript yet: their windows' segments are the only text
    // held, and an open (or closing) one's log the only audio (a discarded one holds nothing).
    const live = await this.d.live.exportView(
      h.live.filter(
        (l) =>
          l.state !== 'discarded' && !h.transcripts.some((t) => t.transcript.callId === l.callId),
      ),
    );
    const liveAudio: LiveAudioEntry[] = [];
    for (const v of live) {
      if (!includeAudio || (v.row.state !== 'open' && v.row.state !== 'closing')) continue;
      liveAudio.push({
        path: liveAudioPath(v.row.id),
        liveRecordingId: v.row.id,
        open: () => this.d.live.heldAudio(v.row, v.bytesHeld),
      });
    }
    const liveInZip = new Set(liveAudio.map((a) => a.liveRecordingId));
    const document: SubjectExport = {
      format: 'cwn-subject-export/1',
      exportedAt: this.d.now().toISOString(),
      subject: { asked: subject.asked, e164: subject.e164, region: subject.region },
      calls: h.calls.map((c) => {
        const t = h.transcripts.find((x) => x.transcript.callId === c.id);
        return {
          ...callDto(c),
          answeredAt: iso(c.answeredAt),
          endedAt: iso(c.endedAt),
          recordings: h.recordings
            .filter((r) => r.callId === c.id)
            .map((r) => ({
              id: r.id,
              channels: r.channels,
              sampleRate: r.sampleRate,
              durationMs: r.durationMs,
              sizeBytes: Number(r.sizeBytes),
              sha256: r.sha256,
              createdAt: r.createdAt.toISOString(),
              purgedAt: iso(r.purgedAt),
              audioFile: inZip.has(r.id) ? audioPath(r.id) : null,
            })),
          transcript: t
            ? {
                id: t.transcript.id,
                language: t.transcript.language,
                status: t.transcript.status,
                version: t.transcript.version,
                model: t.transcript.model,
                segments: t.transcript.segments,
                createdAt: t.transcript.createdAt.toISOString(),
                validatedAt: iso(t.transcript.validatedAt ?? null),
                edits: t.edits.map((e) => ({
                  version: e.version,
                  at: e.at.toISOString(),
                  segmentsBefore: e.segmentsBefore,
                  segmentsAfter: e.segmentsAfter,
                })),
              }
            : null,
          liveRecordings: live
            .filter((v) => v.row.callId === c.id)
            .map(({ row, bytesHeld, windows }) => ({
              id: row.id,
              state: row.state,
              cutOff: row.cutOff,
              bytesHeld,
              openedAt: row.openedAt.toISOString(),
              closedAt: iso(row.closedAt),
              windows: windows.map((w) => ({
                channel: w.channel,
                startSample: w.startSample,
                endSample: w.endSample,
                state: w.state,
                segments: w.segments ?? [],
              })),
              audioFile: liveInZip.has(row.id) ? liveAudioPath(row.id) : null,
            })),
          tickets: h.tickets
            .filter((x) => x.row.callId === c.id)
            .map(({ row, url }) => ({
              state: row.state,
              ninjaoneTicketId: row.ninjaoneTicketId,
              url,
            })),
        };
      }),
      uploadSessions: h.sessions.map((s) => ({
        id: s.id,
        createdAt: s.createdAt.toISOString(),
        expiresAt: s.expiresAt.toISOString(),
        metadata: s.metadata,
      })),
    };
    await this.d.audit.write({
      action: 'privacy.export',
      actorId: actor.id,
      targetType: 'subject',
      targetId: report.pseudonym,
      details: { counts: report.counts, callIds: h.calls.map((c) => c.id), includeAudio },
      ip: actor.ip,
      requestId: actor.requestId,
    });
    return { document, audio, liveAudio, report };
  }
}

/** Where a recording's decrypted audio lies in the export ZIP. */
export const audioPath = (recordingId: string) => `audio/${recordingId}.wav`;

/** Where an open live session's audio held so far lies in the export ZIP. */
export const liveAudioPath = (liveRecordingId: string) => `audio/live-${liveRecordingId}.wav`;

/** An open live session's audio for the ZIP: decrypted from its log when the ZIP reaches it. */
export interface LiveAudioEntry {
  path: string;
  liveRecordingId: string;
  open: () => AsyncIterable<Buffer>;
}
