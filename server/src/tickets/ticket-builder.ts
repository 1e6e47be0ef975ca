import { redact, type Segment } from '@cwn/protocol';
import type { TicketMaterial } from './ticket-source';

export const SUBJECT_MAX = 200; // NinjaOne's limit (ninjaone.md §2.1)
const FIRST_WORDS = 12;

const SPEAKER_LABEL: Record<Segment['speaker'], string> = {
  agent: 'Agent',
  caller: 'Caller',
  unknown: 'Speaker',
};

export interface TicketContent {
  subject: string;
  body: string;
  htmlBody: string;
  /** Number of redacted stretches (cards, IBANs, secrets). */
  redactions: number;
}

export interface BuildOptions {
  publicUrl: string;
  subjectTemplate: string | null;
  /** Appended to the subject; lets a crashed create be found again (ninjaone.md §4.2). */
  externalRef: string;
  callerLabel: string | null;
}

const escapeHtml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function duration(from: Date, to: Date | null): string | null {
  if (!to) return null;
  const s = Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

function firstWords(segments: Segment[], text: (s: Segment) => string): string {
  const first =
    segments.find((s) => s.speaker === 'caller' && text(s).trim()) ??
    segments.find((s) => text(s).trim());
  if (!first) return '';
  const words = text(first).trim().split(/\s+/);
  return words.slice(0, FIRST_WORDS).join(' ') + (words.length > FIRST_WORDS ? '…' : '');
}

/**
 * The ticket's subject and description from a validated transcript. Every segment is REDACTED
 * (protocol/redaction) before it is used anywhere, the subject included.
 */
export function buildTicketContent(m: TicketMaterial, o: BuildOptions): TicketContent {
  const redacted = m.segments.map((s) => ({ segment: s, r: redact(s.text) }));
  const textOf = new Map(redacted.map(({ segment, r }) => [segment, r.text]));
  const text = (s: Segment) => textOf.get(s) ?? '';
  const redactions = redacted.reduce((n, x) => n + x.r.spans.length, 0);

  const number = m.call.remoteNumber ?? 'unknown number';
  const caller = o.callerLabel ?? m.call.remoteName ?? number;
  const date = m.call.startedAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const words = redact(firstWords(m.segments, text)).text;

  const template = o.subjectTemplate ?? 'Call from {caller}: {firstWords}';
  let subject = template
    .replace(/\{caller\}/g, caller)
    .replace(/\{number\}/g, number)
    .replace(/\{agent\}/g, m.call.agent.name)
    .replace(/\{date\}/g, date)
    .replace(/\{firstWords\}/g, words || '(empty transcript)')
    .replace(/\s+/g, ' ')
    .trim();
  subject = redact(subject).text;
  const suffix = ` [${o.externalRef}]`;
  if (subject.length + suffix.length > SUBJECT_MAX)
    subject = subject.slice(0, SUBJECT_MAX - suffix.length - 1) + '…';
  subject += suffix;

  const link = `${o.publicUrl}/calls/${m.call.id}`;
  const meta: Array<[string, string]> = [
    [
      'Call',
      `${m.call.direction === 'inbound' ? 'inbound from' : 'outbound to'} ${number}${m.call.remoteName ? ` (${m.call.remoteName})` : ''}`,
    ],
    ['Agent', m.call.agent.name],
    ['Started', date],
    ...(duration(m.call.startedAt, m.call.endedAt)
      ? [['Duration', duration(m.call.startedAt, m.call.endedAt)!] as [string, string]]
      : []),
    ...(m.validatedBy ? [['Validated by', m.validatedBy.name] as [string, string]] : []),
    ['Recording and transcript', link],
    ['Reference', o.externalRef],
  ];
  const lines = m.segments
    .filter((s) => text(s).trim())
    .map((s) => ({
      at: clock(s.startMs),
      who: SPEAKER_LABEL[s.speaker],
      speaker: s.speaker,
      text: text(s).trim(),
    }));

  const body = [
    ...meta.map(([k, v]) => `${k}: ${v}`),
    '',
    'Transcript (sensitive data redacted):',
    ...lines.map((l) => `[${l.at}] ${l.who}: ${l.text}`),
  ].join('\n');

  const htmlBody = [
    '<ul>',
    ...meta.map(([k, v]) =>
      k === 'Recording and transcript'
        ? `<li><strong>${escapeHtml(k)}:</strong> <a href="${escapeHtml(v)}">${escapeHtml(v)}</a></li>`
        : `<li><strong>${escapeHtml(k)}:</strong> ${escapeHtml(v)}</li>`,
    ),
    '</ul>',
    '<p><em>Transcript (sensitive data redacted):</em></p>',
    ...lines.map(
      (l) =>
        `<p data-speaker="${l.speaker}"><small>[${l.at}]</small> <strong>${escapeHtml(l.who)}:</strong> ${escapeHtml(l.text)}</p>`,
    ),
  ].join('\n');

  return { subject, body, htmlBody, redactions };
}
