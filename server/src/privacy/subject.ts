import { createHmac, hkdfSync } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { toE164 } from '../ninjaone/phone';
import type { MasterKey } from '../storage';

/**
 * One person's phone number, as a privacy action looks for it: read as E.164 the way the NinjaOne
 * caller match reads numbers (libphonenumber, national forms in the configured region), so that
 * "+33 1 23 45 67 89", "0033123456789" and "01 23 45 67 89" are the same subject. A number that is
 * not a possible one is matched by its digits exactly.
 */
export interface Subject {
  asked: string;
  region: string;
  e164: string | null;
  /** Digits every written form of the number ends with (the database's candidate filter). */
  tail: string;
  /** Whether a number as written on a call (or an upload) is this subject's. */
  matches(written: string | null | undefined): boolean;
}

export function subjectOf(asked: string, region: string): Subject {
  const e164 = toE164(asked, region);
  const digits = asked.replace(/\D/g, '');
  if (e164) {
    const tail = parsePhoneNumberFromString(e164)?.nationalNumber ?? e164.slice(1);
    return {
      asked,
      region,
      e164,
      tail,
      matches: (w) => !!w && toE164(w, region) === e164,
    };
  }
  return {
    asked,
    region,
    e164: null,
    tail: digits,
    matches: (w) => !!w && w.replace(/\D/g, '') === digits,
  };
}

/**
 * The keyed hash that stands for a number in the audit log after its erasure: HMAC-SHA256 of the
 * E.164 form (or the digits) under a key derived (HKDF) from the master key, so the same number
 * always gives the same pseudonym (an auditor can tell two erasures of one person apart from two
 * people's) while nobody without the master key can test a guessed number against it. Derived
 * from the current master key: after a rotation new erasures get other pseudonyms.
 */
export class Pseudonyms {
  private readonly key: Buffer;

  constructor(master: MasterKey) {
    this.key = Buffer.from(
      hkdfSync('sha256', master.key, 'cwn-privacy', 'cwn privacy pseudonym v1', 32),
    );
  }

  of(subject: Pick<Subject, 'e164' | 'tail'>): string {
    const value = subject.e164 ?? `digits:${subject.tail}`;
    return `subject-${createHmac('sha256', this.key).update(value).digest('hex').slice(0, 32)}`;
  }
}

/** The written forms of a subject to replace in the audit log: as asked, E.164, and as found. */
export function writtenForms(subject: Subject, found: Array<string | null | undefined>): string[] {
  const forms = new Set<string>([subject.asked.trim()]);
  if (subject.e164) {
    forms.add(subject.e164);
    forms.add(subject.e164.slice(1));
    forms.add(`00${subject.e164.slice(1)}`);
    const national = parsePhoneNumberFromString(subject.e164)?.formatNational();
    if (national) forms.add(national).add(national.replace(/\D/g, ''));
  }
  for (const f of found) if (f && subject.matches(f)) forms.add(f.trim());
  return [...forms];
}
