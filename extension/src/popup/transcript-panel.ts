/**
 * The popup's transcript panel: one call's transcript (speaker colours, mm:ss), editing a segment
 * (saved against its version; a 409 shows the current one), what will be redacted, the
 * organization picker, Validate, then the NinjaOne ticket followed live (`ticket.*` events). The
 * ticket's subject and body are the server's redaction preview (what NinjaOne will get), read
 * again after each change.
 */
import { el } from './dom';
import {
  CallDetail,
  CallerMatchResponse,
  NinjaOneOrganizationList,
  TicketStatus,
  Transcript,
  redact,
  serverEventSchemas,
  type Call,
  type CallerMatch,
  type NinjaOneOrganization,
} from '@cwn/protocol';
import type { Socket } from 'socket.io-client';
import { askBackground } from '../shared/ui-client';
import { api, ApiError, ticketPreview, type ServerSession } from './api';
import {
  SPEAKER_LABELS,
  organizationChoice,
  redactionParts,
  ticketView,
  timestamp,
  withSegmentText,
  type TicketView,
} from './transcript-view';
import { t as msg } from '../shared/i18n';

const $ = (id: string) => document.getElementById(id) as HTMLElement;

async function session(): Promise<ServerSession> {
  const s = await askBackground<ServerSession | null>({ type: 'server-session' });
  if (!s) throw new Error('not logged in: open Options');
  return s;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class TranscriptPanel {
  private call: Call | null = null;
  private transcript: Transcript | null = null;
  private organizations: NinjaOneOrganization[] = [];
  private match: CallerMatch | null = null;
  private ticket: TicketView | null = null;

  constructor(private readonly onClose: () => void) {
    $('transcript-close').addEventListener('click', () => this.close());
    $('validate').addEventListener('click', () => void this.validate());
  }

  /** Live ticket results for the open transcript (the socket of the recent-calls list). */
  listen(socket: Socket): void {
    for (const event of ['ticket.created', 'ticket.failed'] as const) {
      socket.on(event, (raw: unknown) => {
        const payload = serverEventSchemas[event].safeParse(raw);
        if (!payload.success || payload.data.transcriptId !== this.transcript?.id) return;
        this.showTicket(ticketView({ from: 'event', event, payload: payload.data }));
      });
    }
  }

  async open(callId: string): Promise<void> {
    $('transcript-panel').hidden = false;
    $('transcript-h').focus();
    this.call = null;
    this.transcript = null;
    this.ticket = null;
    this.match = null;
    $('segments').replaceChildren();
    $('ticket-state').replaceChildren();
    $('validate-form').hidden = true;
    $('ticket-preview').hidden = true;
    this.state(msg('loading'));
    try {
      const s = await session();
      const detail = await api(s, CallDetail, 'GET', `/api/calls/${callId}`);
      this.call = detail.call;
      this.transcript = detail.transcript;
      $('transcript-h').textContent = msg(
        'transcriptOf',
        `${detail.call.remoteName ?? ''} ${detail.call.remoteNumber ?? msg('unknown')}`,
      ).replace(/\s+/g, ' ');
      if (!detail.transcript) {
        this.state(msg('noTranscriptYet', detail.call.status));
        return;
      }
      this.state('');
      this.renderSegments();
      this.updateForm();
      void this.refreshPreview(s);
      if (detail.transcript.status === 'draft') await this.loadOrganizations(s, detail.call);
      else await this.refreshTicket(s);
    } catch (err) {
      this.state(msg('couldNotLoad', message(err)));
    }
  }

  close(): void {
    $('transcript-panel').hidden = true;
    this.transcript = null;
    this.onClose();
  }

  private state(text: string): void {
    $('transcript-state').textContent = text;
  }

  private renderSegments(): void {
    const t = this.transcript!;
    const editable = t.status === 'draft';
    let redactions = 0;
    const items = t.segments.map((segment, index) => {
      const text = el('p', { className: 'segment-text' });
      for (const part of redactionParts(segment.text)) {
        if (!part.redacted) text.append(part.text);
        else {
          redactions += 1;
          text.append(
            el(
              'mark',
              {
                className: `redact redact-${part.redacted.kind}`,
                title: msg('sentAs', part.redacted.replacement),
              },
              part.text,
            ),
          );
        }
      }
      const at = timestamp(segment.startMs);
      const head = el(
        'p',
        { className: 'segment-head' },
        el('span', { className: 'speaker' }, SPEAKER_LABELS[segment.speaker]),
        ' ',
        el('time', {}, at),
      );
      const item = el('li', { className: `segment speaker-${segment.speaker}` }, head, text);
      item.dataset.index = String(index);
      if (editable) {
        const edit = el('button', { type: 'button', className: 'edit' }, msg('edit'));
        edit.setAttribute('aria-label', msg('editSegmentAt', at));
        edit.addEventListener('click', () => this.edit(item, index));
        head.append(' ', edit);
      }
      return item;
    });
    $('segments').replaceChildren(...items);
    $('redaction-summary').textContent = redactions
      ? redactions === 1
        ? msg('redactedOne')
        : msg('redactedMany', redactions)
      : msg('nothingRedacted');
  }

  /** The ticket as the server will send it (its redaction preview): subject and body. */
  private async refreshPreview(s: ServerSession): Promise<void> {
    const id = this.transcript?.id;
    if (!id) return;
    try {
      const preview = await ticketPreview(s, id);
      if (this.transcript?.id !== id) return;
      $('ticket-subject').textContent = preview.ticket.subject;
      $('ticket-body').textContent = preview.ticket.body;
      $('ticket-preview').hidden = false;
    } catch {
      // The panel works without it; the ticket is built on the server either way.
      $('ticket-preview').hidden = true;
    }
  }

  private edit(item: HTMLLIElement, index: number): void {
    const segment = this.transcript!.segments[index]!;
    const box = el('textarea', { className: 'segment-edit', rows: 3, value: segment.text });
    box.setAttribute('aria-label', msg('segmentTextAt', timestamp(segment.startMs)));
    const save = el('button', { type: 'button', className: 'save' }, msg('save'));
    const cancel = el('button', { type: 'button' }, msg('cancel'));
    const preview = el('p', { className: 'redaction-hint' });
    const hint = () => {
      const n = redact(box.value).spans.length;
      preview.textContent = n ? msg('redactedInTicket', n) : '';
    };
    box.addEventListener('input', hint);
    hint();
    save.addEventListener('click', () => void this.save(index, box.value));
    cancel.addEventListener('click', () => this.renderSegments());
    item.querySelector('.segment-text')!.replaceWith(el('div', {}, box, preview, save, cancel));
    box.focus();
  }

  private async save(index: number, text: string): Promise<void> {
    const t = this.transcript!;
    try {
      const s = await session();
      this.transcript = await api(s, Transcript, 'PATCH', `/api/transcripts/${t.id}`, {
        version: t.version,
        segments: withSegmentText(t.segments, index, text),
      });
      this.state(msg('savedVersion', this.transcript.version));
      this.renderSegments();
      void this.refreshPreview(s);
    } catch (err) {
      this.conflictOr(err, msg('notSavedShort'));
    }
  }

  /** A 409 carries the current transcript: show it instead of the stale one. */
  private conflictOr(err: unknown, what: string): void {
    const current =
      err instanceof ApiError && err.status === 409
        ? Transcript.safeParse((err.details as { current?: unknown } | undefined)?.current)
        : null;
    if (current?.success) {
      this.transcript = current.data;
      this.state(msg('changedMeanwhile', current.data.version));
      this.renderSegments();
      this.updateForm();
      return;
    }
    this.state(`${what}: ${message(err)}`);
  }

  /** The picker shows while the transcript is a draft, or to choose again after a failed ticket. */
  private updateForm(): void {
    const draft = this.transcript?.status === 'draft';
    $('validate-form').hidden = !draft && this.ticket?.kind !== 'failed';
    $('validate').hidden = !draft;
  }

  private async loadOrganizations(s: ServerSession, call: Call): Promise<void> {
    const note = $('organization-note');
    try {
      const [list, match] = await Promise.all([
        api(s, NinjaOneOrganizationList, 'GET', '/api/ninjaone/organizations'),
        call.remoteNumber
          ? api(
              s,
              CallerMatchResponse,
              'GET',
              `/api/ninjaone/caller-match?number=${encodeURIComponent(call.remoteNumber)}`,
            )
          : Promise.resolve(null),
      ]);
      this.organizations = list.items;
      this.match = match?.match ?? null;
    } catch (err) {
      this.organizations = [];
      this.match = null;
      note.textContent = msg('organizationsUnavailable', message(err));
      this.renderPicker(false);
      return;
    }
    this.renderPicker(true);
  }

  private renderPicker(withNote: boolean): void {
    const choice = organizationChoice(this.match, this.organizations);
    const select = $('organization') as HTMLSelectElement;
    select.replaceChildren(
      el('option', { value: '' }, msg('choose')),
      ...choice.options.map((o) => el('option', { value: String(o.id) }, o.name)),
    );
    select.value = choice.selected === null ? '' : String(choice.selected);
    if (withNote) $('organization-note').textContent = choice.note;
  }

  private selectedOrganization(): number | null {
    const value = ($('organization') as HTMLSelectElement).value;
    return value ? Number(value) : null;
  }

  private async validate(): Promise<void> {
    const t = this.transcript;
    if (!t) return;
    const button = $('validate') as HTMLButtonElement;
    button.disabled = true;
    try {
      const s = await session();
      this.transcript = await api(s, Transcript, 'POST', `/api/transcripts/${t.id}/validate`, {
        version: t.version,
        organizationId: this.selectedOrganization(),
      });
      this.state(msg('validated'));
      this.renderSegments();
      this.showTicket({ kind: 'waiting', text: msg('creatingTicket') });
      await this.refreshTicket(s);
    } catch (err) {
      this.conflictOr(err, msg('notValidated'));
    } finally {
      button.disabled = false;
    }
  }

  /** Reads the ticket's state once (the live events may have come before the popup listened). */
  private async refreshTicket(s: ServerSession): Promise<void> {
    const id = this.transcript!.id;
    try {
      const status = await api(s, TicketStatus, 'GET', `/api/transcripts/${id}/ticket`);
      const view = ticketView({ from: 'status', status });
      // A live result that came first is newer than a "still creating" read.
      if (
        this.transcript?.id === id &&
        !(view.kind === 'waiting' && this.ticket?.kind !== 'waiting')
      )
        this.showTicket(view);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404))
        this.state(msg('ticketError', message(err)));
      else if (!this.ticket) this.showTicket({ kind: 'waiting', text: msg('creatingTicket') });
    }
  }

  private showTicket(view: TicketView): void {
    this.ticket = view;
    this.updateForm();
    if (view.kind === 'failed' && this.call && !this.organizations.length)
      void session().then((s) => this.loadOrganizations(s, this.call!));
    const box = $('ticket-state');
    box.dataset.state = view.kind;
    if (view.kind === 'created') {
      box.replaceChildren(
        view.url
          ? el(
              'a',
              { href: view.url, target: '_blank', rel: 'noopener', className: 'ticket-link' },
              view.text,
            )
          : view.text,
      );
      return;
    }
    if (view.kind === 'waiting') {
      box.replaceChildren(view.text);
      return;
    }
    const retry = el('button', { type: 'button', className: 'retry-ticket' }, msg('retry'));
    retry.addEventListener('click', () => void this.retry());
    box.replaceChildren(view.text, ' ', retry);
  }

  private async retry(): Promise<void> {
    const t = this.transcript;
    if (!t) return;
    try {
      const s = await session();
      this.showTicket({ kind: 'waiting', text: msg('creatingTicket') });
      await api(s, TicketStatus, 'POST', `/api/transcripts/${t.id}/ticket`, {
        organizationId: this.selectedOrganization(),
      });
    } catch (err) {
      this.showTicket({ kind: 'failed', text: msg('retryRefused', message(err)) });
    }
  }
}
