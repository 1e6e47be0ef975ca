import { UnrecoverableError } from 'bullmq';
import type { CallerMatch, TicketEvent, TicketJob } from '@cwn/protocol';
import type { Logger } from '../logger';
import { ApiBoard, ApiBoardRun, ApiTicket, parseList } from '../ninjaone/api-types';
import type { CallerMatcher } from '../ninjaone/caller-match';
import type { NinjaOneClient } from '../ninjaone/client';
import type { ResolvedNinjaOneConfig } from '../ninjaone/config';
import type { NinjaOneDirectory } from '../ninjaone/directory';
import { NinjaOneError } from '../ninjaone/errors';
import { buildTicketContent } from './ticket-builder';
import type { TicketMaterial, TicketSource } from './ticket-source';
import type { TicketRepository, TicketRow } from './ticket.repository';

/**
 * A failure retrying cannot fix; its message is shown to the user (ticket.failed). `logMessage`
 * is what the log says instead when the message names the caller.
 */
export class PermanentTicketError extends Error {
  constructor(
    message: string,
    readonly logMessage = message,
  ) {
    super(message);
    this.name = 'PermanentTicketError';
  }
}

/**
 * NinjaOne is not connected (never was, or its refresh token was refused): the ticket job is held
 * (delayed, no attempt used) rather than failed, and released when an admin connects again.
 */
export class TicketHeldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TicketHeldError';
  }
}

const isDisconnected = (err: unknown) =>
  err instanceof NinjaOneError && err.code === 'not_connected';

export interface TicketNotifier {
  (event: 'ticket.created' | 'ticket.failed', payload: TicketEvent, userIds: string[]): void;
}

/** What the service uses of each collaborator (narrowed, so that its unit spec can stand them in). */
export interface TicketServiceDeps {
  /** The ticket rows (PostgreSQL's: SqlTicketRepository). */
  tickets: TicketRepository;
  client: Pick<NinjaOneClient, 'config' | 'request'>;
  directory: Pick<NinjaOneDirectory, 'ticketForms' | 'statuses'>;
  matcher: Pick<CallerMatcher, 'match'>;
  source: TicketSource;
  publicUrl: string;
  logger: Pick<Logger, 'info' | 'warn'>;
  notify: TicketNotifier;
  /**
   * Moves the call to `ticketed` once its ticket exists (calls/lifecycle's CallLifecycle); null when
   * it is ticketed already.
   */
  lifecycle: {
    tryMove(callId: string, event: 'ticketed'): Promise<{ agentId: string } | null>;
  };
  now?: () => Date;
}

export interface Attempt {
  number: number;
  /** No retry follows this one. */
  last: boolean;
}

interface Target {
  organizationId: number;
  requesterUid: string | null;
  callerLabel: string | null;
}

/** The reference written into the ticket's subject; unique per transcript. */
export const externalRefOf = (transcriptId: string) =>
  `CWN-${transcriptId.replace(/-/g, '').slice(0, 12)}`;

/**
 * Creates the NinjaOne ticket for one validated transcript, exactly once:
 * - a `tickets` row per transcript records 'creating' BEFORE the create call and the ticket id
 *   right after it (before the job is acknowledged);
 * - a retry that finds 'creating' (a crash or an ambiguous 5xx/timeout after the call) first looks
 *   for the ticket by the reference in its subject (board search) and records it if found;
 * - 429 is waited out by the client; 5xx/network are retried by the queue with backoff; other 4xx
 *   and missing settings fail permanently with the API's message, stored and emitted.
 */
export class TicketService {
  private readonly now: () => Date;

  constructor(private readonly d: TicketServiceDeps) {
    this.now = d.now ?? (() => new Date());
  }

  async process(job: TicketJob, attempt: Attempt): Promise<{ ticketId: number }> {
    const row = await this.row(job);
    if (row.state === 'created' && row.ninjaoneTicketId !== null) {
      await this.finish(row, job);
      return { ticketId: row.ninjaoneTicketId };
    }
    try {
      const config = await this.d.client.config();
      const material = await this.d.source.load(job.transcriptId);
      if (!material) throw new PermanentTicketError(`transcript ${job.transcriptId} not found`);

      // First: did an interrupted attempt already create it? (before anything that may fail)
      if (row.state === 'creating') {
        const existing = await this.findExisting(row);
        if (existing !== null) {
          this.d.logger.info(
            { transcriptId: job.transcriptId, ticketId: existing },
            'ticket found after an interrupted create',
          );
          await row.update({
            state: 'created',
            ninjaoneTicketId: existing,
            createdTicketAt: this.now(),
            failureReason: null,
          });
          await this.finish(row, job, config);
          return { ticketId: existing };
        }
      }

      const target = await this.target(job, material, config);
      const content = buildTicketContent(material, {
        publicUrl: this.d.publicUrl,
        subjectTemplate: config.subjectTemplate,
        externalRef: row.externalRef,
        callerLabel: target.callerLabel,
      });
      const body = {
        clientId: target.organizationId,
        ticketFormId: await this.ticketFormId(config),
        subject: content.subject,
        status: await this.statusId(config),
        priority: config.priority,
        type: 'PROBLEM',
        ...(target.requesterUid ? { requesterUid: target.requesterUid } : {}),
        description: { public: false, body: content.body, htmlBody: content.htmlBody },
        tags: ['call-transcript'],
      };

      // Recorded before the call: from here on a retry must look for the ticket first.
      await row.update({
        state: 'creating',
        attempts: row.attempts + 1,
        organizationId: target.organizationId,
        requesterUid: target.requesterUid,
        failureReason: null,
      });
      let created: unknown;
      try {
        created = await this.d.client.request('POST', '/ticketing/ticket', { body });
      } catch (err) {
        // A refusal (4xx, 429 after waiting) means nothing was created; a 5xx or timeout may have.
        if (err instanceof NinjaOneError && !err.ambiguous) await row.update({ state: 'pending' });
        throw err;
      }
      const ticket = ApiTicket.safeParse(created);
      if (!ticket.success) {
        throw new NinjaOneError('NinjaOne answered the ticket creation without a ticket id', {
          kind: 'retryable',
          ambiguous: true,
        });
      }
      await row.update({
        state: 'created',
        ninjaoneTicketId: ticket.data.id,
        createdTicketAt: this.now(),
      });
      this.d.logger.info(
        {
          transcriptId: job.transcriptId,
          ticketId: ticket.data.id,
          organizationId: target.organizationId,
          redactions: content.redactions,
        },
        'ninjaone ticket created',
      );
      await this.finish(row, job, config);
      return { ticketId: ticket.data.id };
    } catch (err) {
      throw await this.failed(row, job, attempt, err);
    }
  }

  private async row(job: TicketJob): Promise<TicketRow> {
    const row = await this.d.tickets.rowFor(job, externalRefOf(job.transcriptId));
    if (row.requestedBy !== job.requestedBy) await row.update({ requestedBy: job.requestedBy });
    return row;
  }

  /**
   * Which organization (and requester) the ticket goes to. An organization chosen by a person is
   * used as is: the caller lookup only adds the requester, and its failure never blocks the
   * ticket. A failed lookup counts as "no match" (with its reason in the failure message).
   */
  private async target(
    job: TicketJob,
    m: TicketMaterial,
    config: ResolvedNinjaOneConfig,
  ): Promise<Target> {
    let match: CallerMatch = { kind: 'none' };
    let lookupError: string | null = null;
    let lookupRetryable = false;
    if (m.call.remoteNumber) {
      try {
        ({ match, lookupError, lookupRetryable } = await this.d.matcher.match(
          m.call.remoteNumber,
          config.phoneRegion,
        ));
      } catch (err) {
        // Only the requester depends on the lookup once an organization was chosen.
        if (job.organizationId === null || isDisconnected(err)) throw err;
        lookupError = err instanceof Error ? err.message : String(err);
      }
      if (lookupError)
        this.d.logger.warn(
          { transcriptId: job.transcriptId, lookupError },
          'ninjaone caller lookup degraded',
        );
    }
    if (job.organizationId !== null) {
      // A person chose the organization; keep the matched requester only if it belongs to it.
      const person =
        match.kind === 'matched' && match.organizationId === job.organizationId
          ? match.contact
          : match.kind === 'ambiguous'
            ? (match.candidates.find((c) => c.organizationId === job.organizationId)?.contact ??
              null)
            : null;
      return {
        organizationId: job.organizationId,
        requesterUid: person?.uid ?? null,
        callerLabel: person?.name ?? null,
      };
    }
    if (match.kind === 'matched') {
      return {
        organizationId: match.organizationId,
        requesterUid: match.contact.uid,
        callerLabel: match.contact.name,
      };
    }
    if (config.fallbackOrganizationId !== null) {
      return {
        organizationId: config.fallbackOrganizationId,
        requesterUid: null,
        callerLabel: null,
      };
    }
    if (match.kind === 'ambiguous') {
      const names = match.candidates.map((c) => c.organizationName).join(', ');
      throw new PermanentTicketError(
        `the caller's number belongs to several NinjaOne organizations (${names}): choose an organization and retry`,
      );
    }
    // NinjaOne down or throttling us: a later attempt may find the caller.
    if (lookupRetryable) {
      throw new NinjaOneError(
        `the caller could not be looked up in NinjaOne (${lookupError}): trying again`,
        {
          kind: 'retryable',
        },
      );
    }
    const why = lookupError ? ` (${lookupError})` : '';
    throw new PermanentTicketError(
      `no NinjaOne organization matches the caller's number (${m.call.remoteNumber ?? 'none'})${why} and no fallback organization is set: choose an organization and retry`,
      `no NinjaOne organization matches the caller's number (${m.call.remoteNumber ? 'not shown' : 'none'})${why} and no fallback organization is set`,
    );
  }

  private async ticketFormId(config: ResolvedNinjaOneConfig): Promise<number> {
    if (config.ticketFormId !== null) return config.ticketFormId;
    const forms = (await this.d.directory.ticketForms()).filter((f) => f.active !== false);
    const form = forms.find((f) => f.default) ?? forms[0];
    if (!form)
      throw new PermanentTicketError(
        'NinjaOne has no active ticket form: choose one in Settings → NinjaOne',
      );
    return form.id;
  }

  private async statusId(config: ResolvedNinjaOneConfig): Promise<string> {
    if (config.statusId !== null) return config.statusId;
    const statuses = await this.d.directory.statuses();
    return String(statuses.find((s) => s.name === 'NEW')?.statusId ?? 1000);
  }

  /**
   * The ticket an interrupted attempt may have created, found by its reference. NinjaOne has no
   * external-id lookup; a board run searches subjects (ninjaone.md §2.4). Best effort: without an
   * "All tickets" board we cannot tell, and a second ticket is possible (logged).
   */
  private async findExisting(row: TicketRow): Promise<number | null> {
    try {
      const boards = parseList(
        ApiBoard,
        await this.d.client.request('GET', '/ticketing/trigger/boards'),
        'boards',
      );
      const board =
        boards.find((b) => /^all tickets$/i.test(b.name.trim())) ??
        boards.find((b) => /\ball\b/i.test(b.name));
      if (!board) throw new Error('no "All tickets" board');
      // The board's own columns (subject among them); naming columns is not verified live.
      // Paged with the cursor until an empty page: a tenant may cap the page size.
      let lastCursorId: number | undefined;
      for (let page = 0; page < 50; page += 1) {
        const run = ApiBoardRun.parse(
          await this.d.client.request('POST', `/ticketing/trigger/board/${board.id}/run`, {
            body: { searchCriteria: row.externalRef, pageSize: 20, lastCursorId },
          }),
        );
        const hit = run.data.find(
          (r) => typeof r.subject === 'string' && r.subject.includes(`[${row.externalRef}]`),
        );
        if (hit && typeof hit.id === 'number') return hit.id;
        const next = run.metadata?.lastCursorId;
        if (run.data.length === 0 || typeof next !== 'number' || next === lastCursorId) return null;
        lastCursorId = next;
      }
      return null;
    } catch (err) {
      // Throttling, an outage or no connection: try again later rather than risk a duplicate.
      if (err instanceof NinjaOneError && (err.kind === 'retryable' || isDisconnected(err)))
        throw err;
      // A lookup this tenant refuses or answers oddly: best effort, create (and say so).
      this.d.logger.warn(
        { transcriptId: row.transcriptId, err: err instanceof Error ? err.message : String(err) },
        'cannot check for a ticket from an interrupted attempt; creating it (a duplicate is possible)',
      );
      return null;
    }
  }

  private audience(job: TicketJob, agentId: string | null): string[] {
    return [...new Set([job.requestedBy, ...(agentId ? [agentId] : [])])];
  }

  private async finish(
    row: TicketRow,
    job: TicketJob,
    config?: ResolvedNinjaOneConfig,
  ): Promise<void> {
    // Null when it is ticketed already (this is a retry of the follow-up).
    const moved = await this.d.lifecycle.tryMove(job.callId, 'ticketed');
    const agentId = moved ? moved.agentId : await this.d.tickets.agentOf(job.callId);
    const baseUrl = config?.baseUrl ?? (await this.d.client.config().catch(() => null))?.baseUrl;
    const ticketId = row.ninjaoneTicketId!;
    this.d.notify(
      'ticket.created',
      {
        callId: job.callId,
        transcriptId: job.transcriptId,
        ticketId,
        ...(baseUrl ? { ticketUrl: `${baseUrl}/#/ticketing/ticket/${ticketId}` } : {}),
      },
      this.audience(job, agentId),
    );
  }

  /** Records a failure; returns what the queue should see (UnrecoverableError = no retry). */
  private async failed(
    row: TicketRow,
    job: TicketJob,
    attempt: Attempt,
    err: unknown,
  ): Promise<Error> {
    // The ticket exists and is recorded; only the follow-up (call status, event) failed: retry it.
    if (row.state === 'created') return err instanceof Error ? err : new Error(String(err));
    const permanent =
      err instanceof PermanentTicketError ||
      (err instanceof NinjaOneError && err.kind === 'permanent');
    const message = err instanceof Error ? err.message : String(err);
    this.d.logger.warn(
      {
        transcriptId: job.transcriptId,
        attempt: attempt.number,
        permanent,
        err: err instanceof PermanentTicketError ? err.logMessage : message,
        status: err instanceof NinjaOneError ? err.status : undefined,
      },
      'ninjaone ticket attempt failed',
    );
    if (isDisconnected(err)) {
      // Not the ticket's fault: it waits (the job is held) until an admin connects NinjaOne again.
      const reason = `waiting for NinjaOne to be connected again: ${message}`;
      await row.update({ failureReason: reason });
      return new TicketHeldError(reason);
    }
    if (!permanent && !attempt.last) {
      // Shown while the queue waits to try again (the state stays pending/creating).
      await row.update({
        failureReason: `attempt ${attempt.number} failed, trying again: ${message}`,
      });
      return err instanceof Error ? err : new Error(message);
    }
    const reason = permanent ? message : `gave up after ${attempt.number} attempts: ${message}`;
    // A 'creating' row whose last answer was ambiguous stays 'creating' so a later run still checks first.
    const state =
      row.state === 'creating' && err instanceof NinjaOneError && err.ambiguous
        ? 'creating'
        : 'failed';
    await row.update({ state, failureReason: reason });
    this.d.notify(
      'ticket.failed',
      { callId: job.callId, transcriptId: job.transcriptId, ticketId: null, message: reason },
      this.audience(job, await this.d.tickets.agentOf(job.callId)),
    );
    return permanent
      ? new UnrecoverableError(reason)
      : err instanceof Error
        ? err
        : new Error(message);
  }
}
