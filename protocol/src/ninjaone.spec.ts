import { CallerMatch, NinjaOneSettingsUpdate, TicketRetryRequest } from './ninjaone';

describe('NinjaOneSettingsUpdate', () => {
  const base = { region: 'eu', authMode: 'authorization_code', clientId: 'app' } as const;

  it('fills defaults and keeps an omitted secret omitted (write-only: omitted = keep)', () => {
    const parsed = NinjaOneSettingsUpdate.parse(base);
    expect(parsed).toMatchObject({
      priority: 'NONE',
      phoneRegion: 'FR',
      statusId: null,
      ticketFormId: null,
    });
    expect('clientSecret' in parsed).toBe(false);
    expect(NinjaOneSettingsUpdate.parse({ ...base, clientSecret: null }).clientSecret).toBeNull();
  });

  it('refuses what NinjaOne would refuse, naming the field', () => {
    const issue = (input: unknown) => NinjaOneSettingsUpdate.safeParse(input).error?.issues[0];
    expect(issue({ ...base, region: 'custom' })?.path).toEqual(['baseUrl']);
    expect(issue({ ...base, region: 'custom', baseUrl: 'ftp://x' })?.path).toEqual(['baseUrl']);
    expect(issue({ ...base, priority: 'CRITICAL' })?.path).toEqual(['priority']);
    expect(issue({ ...base, statusId: 'NEW' })?.path).toEqual(['statusId']);
    expect(issue({ ...base, phoneRegion: 'fr' })?.path).toEqual(['phoneRegion']);
    expect(issue({ ...base, authMode: 'implicit' })?.path).toEqual(['authMode']);
    expect(issue({ ...base, refreshToken: 'x' })?.code).toBe('unrecognized_keys');
  });
});

describe('CallerMatch', () => {
  const contact = { kind: 'contact', id: 1, uid: 'u', name: 'A', organizationId: 2 } as const;
  it('is one of matched, none, ambiguous', () => {
    expect(CallerMatch.parse({ kind: 'matched', organizationId: 2, contact })).toBeTruthy();
    expect(CallerMatch.parse({ kind: 'none' })).toEqual({ kind: 'none' });
    expect(
      CallerMatch.parse({
        kind: 'ambiguous',
        candidates: [{ organizationId: 2, organizationName: 'X', contact }],
      }),
    ).toBeTruthy();
    expect(CallerMatch.safeParse({ kind: 'matched', organizationId: 2 }).success).toBe(false);
  });
});

describe('TicketRetryRequest', () => {
  it('defaults to matching by number and refuses a non-positive organization', () => {
    expect(TicketRetryRequest.parse({})).toEqual({ organizationId: null });
    expect(TicketRetryRequest.safeParse({ organizationId: 0 }).success).toBe(false);
  });
});
