import { useState } from '#imports';
import { pickLocale, translate, type Locale, type MessageKey } from '~/locales';

const STORAGE_KEY = 'cwn.locale';

/** The tiny typed dictionary (see docs/decisions/0700-dashboard-spa-kiosk-i18n.md): t('key', { param }). */
export function useT() {
  const locale = useState<Locale>('locale', () =>
    pickLocale([
      localStorage.getItem(STORAGE_KEY),
      ...(navigator.languages ?? [navigator.language]),
    ]),
  );
  const t = (key: MessageKey, params?: Record<string, string | number>) =>
    translate(locale.value, key, params);
  const setLocale = (next: Locale) => {
    locale.value = next;
    localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
  };
  return { t, locale, setLocale };
}
