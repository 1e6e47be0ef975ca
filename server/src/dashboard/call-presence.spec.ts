import type { Call } from '@cwn/protocol';
import { presenceStateOf } from './call-presence';

const call = (status: Call['status']) => ({ status }) as Call;

describe('presenceStateOf', () => {
  it('follows the live call: ringing, on call, on hold, then idle once it ends', () => {
    expect(presenceStateOf('call.started', call('ringing'))).toBe('ringing');
    expect(presenceStateOf('call.updated', call('connected'))).toBe('on_call');
    expect(presenceStateOf('call.updated', call('held'))).toBe('on_hold');
    expect(presenceStateOf('call.ended', call('ended'))).toBe('idle');
    expect(presenceStateOf('call.ended', call('missed'))).toBe('idle');
  });

  it('says nothing for processing statuses (a call created or moved on by an upload)', () => {
    expect(presenceStateOf('call.started', call('uploaded'))).toBeNull();
    expect(presenceStateOf('call.updated', call('queued'))).toBeNull();
    expect(presenceStateOf('call.updated', call('transcribed'))).toBeNull();
  });
});
