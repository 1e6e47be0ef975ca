import { en } from './en';
import { fr } from './fr';
import { initialLocale, locale, t } from './index';

describe('i18n', () => {
  it('follows the device language, and a stored choice wins', () => {
    expect(initialLocale(null, ['fr-FR', 'en'])).toBe('fr');
    expect(initialLocale(null, ['de-DE', 'en-GB'])).toBe('en');
    expect(initialLocale('en', ['fr-CA'])).toBe('en');
    expect(initialLocale('klingon', ['fr-BE'])).toBe('fr');
  });

  it('fills placeholders in the current language', () => {
    locale.value = 'fr';
    expect(t('offline.pending', { n: 2 })).toBe('2 modification(s) en attente d’envoi');
    locale.value = 'en';
    expect(t('call.title', { who: 'Boulangerie Martin' })).toBe('Call with Boulangerie Martin');
  });

  it('French keeps every placeholder of the English message', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect([key, placeholders(fr[key])]).toEqual([key, placeholders(en[key])]);
    }
  });
});
