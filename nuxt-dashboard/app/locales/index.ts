import { en, type MessageKey, type Messages } from './en';
import { fr } from './fr';

export const LOCALES = { en, fr } as const satisfies Record<string, Messages>;
export type Locale = keyof typeof LOCALES;
export type { MessageKey };

/** Looks a key up and fills `{name}` placeholders; a missing parameter stays visible as `{name}`. */
export function translate(
  locale: Locale,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  return LOCALES[locale][key].replace(/\{(\w+)\}/g, (m, name: string) =>
    params[name] === undefined ? m : String(params[name]),
  );
}

export function pickLocale(candidates: readonly (string | null | undefined)[]): Locale {
  for (const c of candidates) {
    const short = c?.slice(0, 2).toLowerCase();
    if (short === 'fr' || short === 'en') return short;
  }
  return 'en';
}
