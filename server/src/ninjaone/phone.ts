import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A phone number as written by a person or a PBX ("06 12 34 56 78", "0033 6…", "+33 6…",
 * "01.45.67.89.01") in E.164 ("+33612345678"), read with libphonenumber's metadata; national
 * forms are read in `defaultRegion`. Null when it is not a possible number.
 */
export function toE164(raw: string | null | undefined, defaultRegion = 'FR'): string | null {
  if (!raw || !raw.trim()) return null;
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultRegion.toUpperCase() as CountryCode);
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}
