import type { Call } from '@cwn/protocol';
import { PAGE_SIZE, orderInbox, toQuery } from './inbox';

const call = (id: string, status: Call['status'], startedAt: string): Call => ({
  id,
  agentId: id,
  direction: 'inbound',
  remoteNumber: null,
  remoteName: null,
  pbxCallId: null,
  startedAt,
  answeredAt: null,
  endedAt: null,
  status,
});

describe('inbox ordering and query', () => {
  it('puts calls awaiting validation first (oldest waiting first), then the rest newest first', () => {
    const calls = [
      call('a', 'ticketed', '2026-11-25T08:00:00Z'),
      call('b', 'transcribed', '2026-11-25T09:00:00Z'),
      call('c', 'validated', '2026-11-25T10:00:00Z'),
      call('d', 'transcribed', '2026-11-25T07:00:00Z'),
    ];
    const { awaiting, recent } = orderInbox(calls);
    expect(awaiting.map((c) => c.id)).toEqual(['d', 'b']);
    expect(recent.map((c) => c.id)).toEqual(['c', 'a']);
  });

  it('turns the filters into the list query: whole UTC days, blanks left out', () => {
    const agentId = '00000000-0000-4000-8000-0000000000a1';
    expect(
      toQuery(
        { q: ' 0612 ', status: 'transcribed', agentId, from: '2026-11-01', to: '2026-11-02' },
        'next',
      ),
    ).toEqual({
      limit: PAGE_SIZE,
      cursor: 'next',
      q: '0612',
      status: 'transcribed',
      agentId,
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-02T23:59:59.999Z',
    });
    expect(toQuery({ q: '  ', status: '', agentId: '', from: '', to: '' })).toEqual({
      limit: PAGE_SIZE,
      cursor: undefined,
      q: undefined,
      status: undefined,
      agentId: undefined,
      from: undefined,
      to: undefined,
    });
  });
});
