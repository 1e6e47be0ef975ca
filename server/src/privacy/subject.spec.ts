import { randomBytes } from 'node:crypto';
import { parseMasterKey } from '../storage';
import { Pseudonyms, subjectOf, writtenForms } from './subject';

describe('a privacy subject (one phone number, any written form)', () => {
  it('matches every written form of a French number, read as the NinjaOne match reads it', () => {
    const s = subjectOf('01 84 88 12 34', 'FR');
    expect(s.e164).toBe('+33184881234');
    expect(s.tail).toBe('184881234');
    // libphonenumber also reads a national number written without its trunk 0 (as NinjaOne's does).
    for (const w of [
      '+33 1 84 88 12 34',
      '0033184881234',
      '+33184881234',
      '01.84.88.12.34',
      '184881234',
    ])
      expect([w, s.matches(w)]).toEqual([w, true]);
    for (const w of ['+33 1 84 88 12 35', '+32 1 84 88 12 34', '0184881235', '', null])
      expect([w, s.matches(w)]).toEqual([w, false]);
  });

  it('reads national forms in the region asked for', () => {
    const be = subjectOf('02 555 12 34', 'BE');
    expect(be.e164).toBe('+3225551234');
    expect(be.matches('+32 2 555 12 34')).toBe(true);
    expect(be.matches('02 555 12 34')).toBe(true);
    expect(subjectOf('02 555 12 34', 'FR').e164).not.toBe('+3225551234');
  });

  it('matches a string that is not a possible number by its exact digits only', () => {
    const s = subjectOf('12345', 'FR');
    expect(s.e164).toBeNull();
    expect(s.matches('123-45')).toBe(true);
    expect(s.matches('0012345')).toBe(false);
  });

  it('gives one pseudonym per number whatever its form, which depends on the master key', () => {
    const key = parseMasterKey(randomBytes(32).toString('base64'));
    const p = new Pseudonyms(key);
    const a = p.of(subjectOf('+33 1 84 88 12 34', 'FR'));
    expect(a).toMatch(/^subject-[0-9a-f]{32}$/);
    expect(p.of(subjectOf('0033184881234', 'FR'))).toBe(a);
    expect(p.of(subjectOf('+33 1 84 88 12 35', 'FR'))).not.toBe(a);
    expect(
      new Pseudonyms(parseMasterKey(randomBytes(32).toString('base64'))).of(
        subjectOf('+33 1 84 88 12 34', 'FR'),
      ),
    ).not.toBe(a);
  });

  it('lists the forms to replace in the audit log: as asked, E.164, international, national, as found', () => {
    const s = subjectOf('01 84 88 12 34', 'FR');
    expect(writtenForms(s, ['+33 1 84 88 12 34', '+33 6 00 00 00 00', null]).sort()).toEqual(
      [
        '01 84 88 12 34',
        '+33184881234',
        '33184881234',
        '0033184881234',
        '0184881234',
        '+33 1 84 88 12 34',
      ].sort(),
    );
  });
});
