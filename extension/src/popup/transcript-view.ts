/**
 * Pure view-model of the popup's transcript panel (no DOM, no fetch): timestamps, redaction
 * highlighting, the organization picker's choice and what the ticket state reads as.
 */
import {
  redact,
  type CallerMatch,
  type NinjaOneOrganization,
  type RedactionKind,
  type Segment,
  type TicketEvent,
  type TicketStatus,
} from '@cwn/protocol';
import { t } from '../shared/i18n';

/** `mm:ss` from milliseconds into the call (minutes keep counting past 59). */
export function timestamp(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** Read when shown, in the browser's language. */
export const SPEAKER_LABELS: Record<Segment['speaker'], string> = {
  get agent() {
    return t('speakerAgent');
  },
  get caller() {
    return t('speakerCaller');
  },
  get unknown() {
    return t('speakerUnknown');
  },
};

/** A stretch of a segment's text; `redacted` says what it will be replaced by in the ticket. */
export interface TextPart {
  text: string;
  redacted: { kind: RedactionKind; replacement: string } | null;
}

/** The segment's text cut into plain and to-be-redacted parts (the same `redact` the server runs). */
export function redactionParts(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let cursor = 0;
  for (const span of redact(text).spans) {
    if (span.start > cursor) parts.push({ text: text.slice(cursor, span.start), redacted: null });
    parts.push({
      text: text.slice(span.start, span.end),
      redacted: { kind: span.kind, replacement: span.replacement },
    });
    cursor = span.end;
  }
  if (cursor < text.length) parts.push({ text: text.slice(cursor), redacted: null });
  return parts;
}

/** The segments with one segment's text replaced (trimmed); the others are kept as they are. */
export function withSegmentText(segments: Segment[], index: number, text: string): Segment[] {
  if (index < 0 || index >= segments.length) throw new RangeError(`no segment ${index}`);
  return segments.map((s, i) => (i === index ? { ...s, text: text.trim() } : s));
}

export interface OrganizationChoice {
  /** Pre-selected organization id, or null ("choose…"). */
  selected: number | null;
  /** What the picker offers: ambiguous candidates first, then every other organization by name. */
  options: NinjaOneOrganization[];
  /** One line telling the person where the pre-selection came from. */
  note: string;
}

export function organizationChoice(
  match: CallerMatch | null,
  organizations: NinjaOneOrganization[],
): OrganizationChoice {
  const byName = [...organizations].sort((a, b) => a.name.localeCompare(b.name));
  if (match?.kind === 'matched') {
    const org = organizations.find((o) => o.id === match.organizationId);
    return {
      selected: match.organizationId,
      options: org
        ? byName
        : [{ id: match.organizationId, name: `#${match.organizationId}` }, ...byName],
      note: t('matchedFromNumber', match.contact.name),
    };
  }
  if (match?.kind === 'ambiguous') {
    const ids = new Set(match.candidates.map((c) => c.organizationId));
    const candidates = match.candidates
      .filter((c, i, all) => all.findIndex((d) => d.organizationId === c.organizationId) === i)
      .map((c) => ({ id: c.organizationId, name: c.organizationName }));
    return {
      selected: null,
      options: [...candidates, ...byName.filter((o) => !ids.has(o.id))],
      note: t('numberInOrganizations', ids.size),
    };
  }
  return {
    selected: null,
    options: byName,
    note: match ? t('numberMatchesNone') : t('chooseOrganization'),
  };
}

export type TicketView =
  | { kind: 'waiting'; text: string }
  | { kind: 'created'; text: string; ticketId: number | null; url: string | null }
  | { kind: 'failed'; text: string };

/** What the popup shows for a ticket, from the status route or a live `ticket.*` event. */
export function ticketView(
  source:
    | { from: 'status'; status: TicketStatus }
    | { from: 'event'; event: 'ticket.created' | 'ticket.failed'; payload: TicketEvent },
): TicketView {
  if (source.from === 'event') {
    const p = source.payload;
    if (source.event === 'ticket.created') return created(p.ticketId, p.ticketUrl ?? null);
    return { kind: 'failed', text: t('ticketFailed', p.message ?? t('noReasonGiven')) };
  }
  const s = source.status;
  if (s.state === 'created') return created(s.ticketId, s.ticketUrl);
  if (s.state === 'failed')
    return { kind: 'failed', text: t('ticketFailed', s.failureReason ?? t('noReasonGiven')) };
  return { kind: 'waiting', text: t('creatingTicket') };
}

function created(ticketId: number | null, url: string | null): TicketView {
  return {
    kind: 'created',
    text: ticketId === null ? t('ticketCreated') : t('ticketNumber', ticketId),
    ticketId,
    url,
  };
}
