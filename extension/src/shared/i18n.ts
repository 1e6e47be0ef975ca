/**
 * The popup's and options page's strings, in the browser's language: `chrome.i18n` reads
 * `_locales/<lang>/messages.json` (written by the build from `locales/en.ts` and `fr.ts`), so the
 * language follows the browser's UI language, English when it is neither. Outside an extension (the
 * node unit tests) the English dictionary answers.
 */
import { browser } from './browser';
import { en, type MessageKey } from './locales/en';

export type { MessageKey };

/** Chrome's substitution: `$1`…`$9` in the message. */
export function format(message: string, subs: readonly (string | number)[]): string {
  return message.replace(/\$([1-9])/g, (all, d: string) => {
    const v = subs[Number(d) - 1];
    return v === undefined ? all : String(v);
  });
}

function extensionI18n(): { getMessage(key: string, subs?: string[]): string } | null {
  try {
    return (globalThis as { chrome?: { i18n?: unknown } }).chrome?.i18n ? browser.i18n : null;
  } catch {
    return null;
  }
}

export function t(key: MessageKey, ...subs: (string | number)[]): string {
  const api = extensionI18n();
  const text = api?.getMessage(key, subs.map(String));
  return text || format(en[key], subs);
}

/**
 * The language the strings are in (`<html lang>`): asked of the dictionary chrome.i18n picked,
 * because `@@ui_locale` and `getUILanguage()` said en-US in headless Chromium started in French
 * while the messages came from `_locales/fr`.
 */
export function uiLanguage(): string {
  return t('htmlLang');
}

/**
 * Fills the page's static strings: `data-i18n` (text), `data-i18n-placeholder`,
 * `data-i18n-aria-label`, and the title.
 */
export function localizePage(doc: Document = document): void {
  doc.documentElement.lang = uiLanguage();
  for (const el of doc.querySelectorAll<HTMLElement>('[data-i18n]'))
    el.textContent = t(el.dataset.i18n as MessageKey);
  for (const el of doc.querySelectorAll<HTMLElement>('[data-i18n-aria-label]'))
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel as MessageKey));
  const title = doc.querySelector<HTMLElement>('title[data-i18n]');
  if (title) doc.title = title.textContent ?? doc.title;
}
