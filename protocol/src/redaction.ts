import { z } from 'zod';

/**
 * PII redaction applied to a transcript before it leaves for NinjaOne. Pure and dependency-free
 * (zod only for the wire shapes), so the popup and the PWA preview exactly what the server sends.
 *
 * - card numbers: 13–19 digits, optionally grouped by spaces or dashes, Luhn-checked;
 * - IBANs: country code, check digits and 11–30 alphanumerics, optionally grouped, mod-97 checked;
 * - secrets: what follows a trigger such as "mon mot de passe est", "le code est", "my password
 *   is", "PIN is", up to the end of the clause.
 */
export const RedactionKind = z.enum(['card', 'iban', 'secret']);
export type RedactionKind = z.infer<typeof RedactionKind>;

/** One redacted stretch, as offsets into the ORIGINAL text (for highlighting in a preview). */
export const RedactionSpan = z.object({
  kind: RedactionKind,
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  replacement: z.string(),
});
export type RedactionSpan = z.infer<typeof RedactionSpan>;

export const RedactionResult = z.object({
  text: z.string(),
  spans: z.array(RedactionSpan),
});
export type RedactionResult = z.infer<typeof RedactionResult>;

export const REDACTION_MARKERS: Record<RedactionKind, string> = {
  card: '[card number redacted]',
  iban: '[IBAN redacted]',
  secret: '[secret redacted]',
};

/** Luhn checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616 check: rearranged, letters as numbers, remainder mod 97 must be 1. */
export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/[\s-]/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

type Found = Omit<RedactionSpan, 'replacement'>;

/**
 * Digit runs that may be grouped ("4970 1012 3456 7890", "4970-1012-…"). Leading/trailing words
 * and longer runs are handled by trying the longest Luhn-valid prefix of at least 13 digits.
 */
const DIGIT_RUN = /(?<![\d])\d(?:[ -]?\d){12,}(?![\d])/g;

function findCards(text: string): Found[] {
  const out: Found[] = [];
  for (const m of text.matchAll(DIGIT_RUN)) {
    const start = m.index;
    const run = m[0];
    // Offsets of each digit inside the run, so a prefix maps back to a text range.
    const digitEnds: number[] = [];
    let digits = '';
    for (let i = 0; i < run.length; i += 1) {
      if (/\d/.test(run[i]!)) {
        digits += run[i];
        digitEnds.push(i + 1);
      }
    }
    for (let n = Math.min(19, digits.length); n >= 13; n -= 1) {
      if (luhnValid(digits.slice(0, n))) {
        out.push({ kind: 'card', start, end: start + digitEnds[n - 1]! });
        break;
      }
    }
  }
  return out;
}

/** Candidate IBANs: two letters, two digits, then alphanumerics optionally grouped by spaces. */
const IBAN_RUN = /\b[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,34}/g;

function findIbans(text: string): Found[] {
  const out: Found[] = [];
  for (const m of text.matchAll(IBAN_RUN)) {
    const run = m[0];
    // The run may have swallowed a following word ("… 189 merci"): take the longest valid prefix.
    for (let end = run.length; end >= 15; end -= 1) {
      if (/[\s-]/.test(run[end - 1]!)) continue;
      if (end < run.length && /[A-Za-z0-9]/.test(run[end]!)) continue; // cut only at a boundary
      if (ibanValid(run.slice(0, end))) {
        out.push({ kind: 'iban', start: m.index, end: m.index + end });
        break;
      }
    }
  }
  return out;
}

/** Trigger phrases, French then English; the secret is what follows the copula. */
const TRIGGER_FR =
  "(?:(?:mon|ma|le|la|votre|ton|son|notre|du)\\s+)?(?:nouveau\\s+)?(?:mot\\s+de\\s+passe|mdp|code\\s+(?:pin|secret|d['’]acc[eè]s|de\\s+s[ée]curit[ée]|de\\s+v[ée]rification|de\\s+confirmation|wifi|wi-fi)|code(?!\\s+(?:postal|d['’]erreur|erreur|client|article|promo))|pin|passcode)" +
  "(?:\\s+(?:actuel|provisoire|temporaire|du\\s+wifi|wifi))?\\s*(?:,\\s*)?(?:c['’]est(?:\\s+le)?|est(?:\\s+le)?|:|=)\\s*";
const TRIGGER_EN =
  '(?:(?:my|the|your|his|her|our|new|temporary)\\s+)*(?:password|passcode|passphrase|pin(?:\\s+code|\\s+number)?|(?:security|verification|access|one[- ]time|wifi|wi-fi)\\s+code|code(?!\\s+(?:of|for\\s+the\\s+error)))' +
  "\\s*(?:is\\s*:?|['’]s|:|=)\\s*";
const TRIGGER = new RegExp(`\\b(?:${TRIGGER_FR}|${TRIGGER_EN})`, 'giu');

/** Words that end a spoken secret when they follow it. */
const STOP_WORDS = new Set([
  'et',
  'mais',
  'donc',
  'puis',
  'merci',
  'alors',
  'sinon',
  'voilà',
  'voila',
  'and',
  'but',
  'so',
  'then',
  'thanks',
  'thank',
  'please',
  'okay',
  'ok',
]);
const MAX_SECRET_WORDS = 8;

function findSecrets(text: string): Found[] {
  const out: Found[] = [];
  for (const m of text.matchAll(TRIGGER)) {
    const from = m.index + m[0].length;
    // The clause ends at . ? ; , followed by a space or the end, or at a line break ("!" and a dot
    // inside the secret stay with it: over-redacting is the safe side).
    const rest = text.slice(from);
    const clause = /^(.*?)(?=[.?;,](?:\s|$)|[\n\r]|$)/su.exec(rest)?.[1] ?? '';
    let end = 0;
    let words = 0;
    for (const w of clause.matchAll(/\S+/g)) {
      const word = w[0].toLowerCase().replace(/[«»"“”]/g, '');
      if (STOP_WORDS.has(word) || words >= MAX_SECRET_WORDS) break;
      end = w.index + w[0].length;
      words += 1;
    }
    if (end > 0) out.push({ kind: 'secret', start: from, end: from + end });
  }
  return out;
}

/** Finds every span to redact in `text`, without overlaps, in order. */
export function findRedactions(text: string): Found[] {
  // Order = priority when spans overlap: a card number inside a "code is …" clause stays a card.
  const all = [...findCards(text), ...findIbans(text), ...findSecrets(text)];
  const kept: Found[] = [];
  for (const s of all) {
    const overlap = kept.find((k) => s.start < k.end && k.start < s.end);
    if (!overlap) kept.push(s);
    else if (s.kind === 'secret' && s.end > overlap.end) {
      // A secret clause that goes on past the number: keep the tail as a secret too.
      kept.push({ kind: 'secret', start: overlap.end, end: s.end });
    }
  }
  return kept
    .filter((s) => text.slice(s.start, s.end).trim() !== '')
    .sort((a, b) => a.start - b.start);
}

/** Redacts `text`; spans refer to the original text. */
export function redact(text: string): RedactionResult {
  const found = findRedactions(text);
  let result = '';
  let cursor = 0;
  const spans: RedactionSpan[] = [];
  for (const f of found) {
    const replacement = REDACTION_MARKERS[f.kind];
    const leading = /^\s*/.exec(text.slice(f.start, f.end))![0].length;
    const start = f.start + leading;
    result += text.slice(cursor, start) + replacement;
    cursor = f.end;
    spans.push({ kind: f.kind, start, end: f.end, replacement });
  }
  result += text.slice(cursor);
  return { text: result, spans };
}
