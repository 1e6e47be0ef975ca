import { ref } from 'vue';
import { en, type MessageKey } from './en';
import { fr } from './fr';

export type Locale = 'en' | 'fr';
const catalogs: Record<Locale, Record<MessageKey, string>> = { en, fr };
const STORAGE_KEY = 'cwn.locale';

/** French when the device prefers it (or the manager chose it), English otherwise. */
export function initialLocale(stored: string | null, languages: readonly string[]): Locale {
  if (stored === 'en' || stored === 'fr') return stored;
  return languages.some((l) => l.toLowerCase().startsWith('fr')) ? 'fr' : 'en';
}

export const locale = ref<Locale>(
  typeof navigator === 'undefined'
    ? 'en'
    : initialLocale(localStorage.getItem(STORAGE_KEY), navigator.languages),
);

export function setLocale(next: Locale): void {
  locale.value = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}

/** The message in the current language, with {name} placeholders filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return catalogs[locale.value][key].replace(/\{(\w+)\}/g, (_, name: string) =>
    String(params[name] ?? `{${name}}`),
  );
}
