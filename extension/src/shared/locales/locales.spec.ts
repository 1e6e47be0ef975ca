import { en } from './en';
import { fr } from './fr';
import { format } from '../i18n';

const subs = (m: string) => [...m.matchAll(/\$([1-9])/g)].map((x) => x[1]).sort();

describe('the extension’s dictionaries', () => {
  it('have the same keys in French and English, each with the same substitutions', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[])
      expect([key, subs(fr[key])]).toEqual([key, subs(en[key])]);
  });

  it('use keys chrome.i18n accepts, and no other $ than $1…$9', () => {
    for (const [key, message] of [...Object.entries(en), ...Object.entries(fr)]) {
      expect(key).toMatch(/^[A-Za-z0-9_]+$/);
      expect(message.replace(/\$[1-9]/g, '')).not.toContain('$');
    }
  });

  it('substitute like chrome.i18n (the node fallback)', () => {
    expect(format(en.savedReloaded, [2])).toBe('Saved. 2 open 3CX tab(s) reloaded.');
    expect(format(en.ticketNumber, [7])).toBe('Ticket #7');
  });
});
