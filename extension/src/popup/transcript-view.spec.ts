import type { CallerMatch, NinjaOnePerson, Segment, TicketStatus } from '@cwn/protocol';
import {
  organizationChoice,
  redactionParts,
  ticketView,
  timestamp,
  withSegmentText,
} from './transcript-view';

const person = (organizationId: number, name: string): NinjaOnePerson => ({
  kind: 'contact',
  id: 100 + organizationId,
  uid: `uid-${organizationId}`,
  name,
  organizationId,
});
const orgs = [
  { id: 3, name: 'Acme Logistics Ltd' },
  { id: 1, name: 'Boulangerie Dupont SARL' },
  { id: 2, name: 'Cabinet Martin Avocats' },
  { id: 5, name: 'Mairie de Saint-Égrève' },
];

describe('timestamp', () => {
  it.each([
    [0, '00:00'],
    [999, '00:00'],
    [2_500, '00:02'],
    [61_000, '01:01'],
    [3_725_000, '62:05'],
  ])('%i ms → %s', (ms, text) => expect(timestamp(ms)).toBe(text));
});

describe('redactionParts', () => {
  it('cuts out a Luhn-valid card number and keeps the rest as it was', () => {
    const text = 'Ma carte est la 4111 1111 1111 1111, merci.';
    const parts = redactionParts(text);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect(parts.filter((p) => p.redacted)).toEqual([
      {
        text: '4111 1111 1111 1111',
        redacted: { kind: 'card', replacement: '[card number redacted]' },
      },
    ]);
  });

  it('leaves a number that fails the Luhn check, and a sentence with nothing to redact, whole', () => {
    expect(redactionParts('Order 4111 1111 1111 1112 please')).toEqual([
      { text: 'Order 4111 1111 1111 1112 please', redacted: null },
    ]);
    expect(redactionParts('')).toEqual([]);
  });

  it('marks a spoken password after its trigger words', () => {
    const parts = redactionParts('My password is tiger77. Thanks');
    expect(parts).toEqual([
      { text: 'My password is ', redacted: null },
      { text: 'tiger77', redacted: { kind: 'secret', replacement: '[secret redacted]' } },
      { text: '. Thanks', redacted: null },
    ]);
  });
});

describe('withSegmentText', () => {
  const segments: Segment[] = [
    { speaker: 'agent', startMs: 0, endMs: 1000, text: 'Bonjour.' },
    { speaker: 'caller', startMs: 1200, endMs: 3000, text: 'Mon imprimente.' },
  ];
  it('replaces one segment’s text (trimmed) and keeps the others', () => {
    const next = withSegmentText(segments, 1, '  Mon imprimante.  ');
    expect(next).toEqual([segments[0], { ...segments[1], text: 'Mon imprimante.' }]);
    expect(segments[1]!.text).toBe('Mon imprimente.');
  });
  it('refuses an index outside the transcript', () => {
    expect(() => withSegmentText(segments, 2, 'x')).toThrow(RangeError);
  });
});

describe('organizationChoice', () => {
  it('pre-selects the matched organization and lists every organization by name', () => {
    const match: CallerMatch = {
      kind: 'matched',
      organizationId: 1,
      contact: person(1, 'Sophie Dupont'),
    };
    const choice = organizationChoice(match, orgs);
    expect(choice.selected).toBe(1);
    expect(choice.options.map((o) => o.id)).toEqual([3, 1, 2, 5]);
    expect(choice.note).toContain('Sophie Dupont');
  });

  it('puts the candidates of an ambiguous number first, once each, and selects nothing', () => {
    const match: CallerMatch = {
      kind: 'ambiguous',
      candidates: [
        { organizationId: 5, organizationName: 'Mairie de Saint-Égrève', contact: person(5, 'A') },
        { organizationId: 2, organizationName: 'Cabinet Martin Avocats', contact: person(2, 'B') },
        { organizationId: 2, organizationName: 'Cabinet Martin Avocats', contact: person(2, 'C') },
      ],
    };
    const choice = organizationChoice(match, orgs);
    expect(choice.selected).toBeNull();
    expect(choice.options.map((o) => o.id)).toEqual([5, 2, 3, 1]);
    expect(choice.note).toMatch(/2 organizations/);
  });

  it('asks for a choice when nothing matched or the number was not looked up', () => {
    expect(organizationChoice({ kind: 'none' }, orgs)).toMatchObject({
      selected: null,
      note: expect.stringMatching(/matches no organization/),
    });
    expect(organizationChoice(null, [])).toEqual({
      selected: null,
      options: [],
      note: 'Choose the organization.',
    });
  });

  it('keeps a matched organization the list does not know, so it can still be sent', () => {
    const match: CallerMatch = { kind: 'matched', organizationId: 9, contact: person(9, 'X') };
    expect(organizationChoice(match, orgs).options[0]).toEqual({ id: 9, name: '#9' });
  });
});

describe('ticketView', () => {
  const status = (over: Partial<TicketStatus>): TicketStatus => ({
    transcriptId: 't',
    callId: 'c',
    state: 'pending',
    ticketId: null,
    ticketUrl: null,
    organizationId: null,
    failureReason: null,
    attempts: 0,
    updatedAt: '2026-11-25T10:00:00.000Z',
    ...over,
  });

  it('reads the stored state', () => {
    expect(ticketView({ from: 'status', status: status({ state: 'creating' }) }).kind).toBe(
      'waiting',
    );
    expect(
      ticketView({
        from: 'status',
        status: status({ state: 'created', ticketId: 42, ticketUrl: 'https://n/#/t/42' }),
      }),
    ).toEqual({ kind: 'created', text: 'Ticket #42', ticketId: 42, url: 'https://n/#/t/42' });
    expect(
      ticketView({
        from: 'status',
        status: status({ state: 'failed', failureReason: 'subject is required' }),
      }),
    ).toEqual({ kind: 'failed', text: 'Ticket failed: subject is required' });
  });

  it('reads the live events', () => {
    expect(
      ticketView({
        from: 'event',
        event: 'ticket.created',
        payload: { callId: 'c', transcriptId: 't', ticketId: 7, ticketUrl: 'https://n/#/t/7' },
      }),
    ).toMatchObject({ kind: 'created', text: 'Ticket #7', url: 'https://n/#/t/7' });
    expect(
      ticketView({
        from: 'event',
        event: 'ticket.failed',
        payload: { callId: 'c', transcriptId: 't', ticketId: null, message: 'NinjaOne refused' },
      }),
    ).toEqual({ kind: 'failed', text: 'Ticket failed: NinjaOne refused' });
  });
});
