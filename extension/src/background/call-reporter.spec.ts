import type { CallEvent, CreateCallRequest } from '@cwn/protocol';
import { CallReporter, pbxCallIdOf, type CallsApi } from './call-reporter';
import { CallTracker } from './call-tracker';
import { ConnectionAction as A, ConnectionState as S } from '../shared/myphone';

class RecordingApi implements CallsApi {
  log: string[] = [];
  fail = false;
  async create(body: CreateCallRequest) {
    if (this.fail) throw new Error('HTTP 503');
    this.log.push(
      `create ${body.pbxCallId} ${body.direction} ${body.remoteNumber} ${body.remoteName}`,
    );
    return {
      id: `srv-${body.pbxCallId}`,
      agentId: '00000000-0000-4000-8000-000000000000',
      direction: body.direction,
      remoteNumber: body.remoteNumber ?? null,
      remoteName: body.remoteName ?? null,
      pbxCallId: body.pbxCallId,
      startedAt: body.startedAt,
      answeredAt: null,
      endedAt: null,
      status: 'ringing' as const,
    };
  }
  async update(id: string, event: CallEvent, at: string) {
    this.log.push(`${event} ${id} ${at}`);
  }
}

const conn = (id: number, action: number, state: number | null) => ({
  action,
  connectionId: id,
  callId: id + 1,
  state,
  otherPartyName: 'Ada',
  otherPartyCallerId: 'not a number!',
  isIncoming: false,
  otherPartyDn: null,
});
const iso = (ms: number) => new Date(ms).toISOString();

describe('CallReporter', () => {
  it('reports a call once and each of its transitions once, in order', async () => {
    const api = new RecordingApi();
    const reporter = new CallReporter(api);
    const t = new CallTracker();
    t.onPbx(1, [conn(5, A.Inserted, S.Dialing)], 1000);
    reporter.sync(t.all());
    reporter.sync(t.all());
    t.onPcCreated(1, 'pc-aaaaaaaa', 1100);
    t.onPcState('pc-aaaaaaaa', 'connected', 1200);
    reporter.sync(t.all());
    t.onHold('pc-aaaaaaaa', true, 2000);
    reporter.sync(t.all());
    t.onHold('pc-aaaaaaaa', false, 3000);
    reporter.sync(t.all());
    t.onPbx(1, [conn(5, A.Deleted, null)], 4000);
    reporter.sync(t.all());
    reporter.sync(t.all());
    await reporter.settled();
    expect(api.log).toEqual([
      'create 6 outbound null Ada', // the caller id is not a phone number: left out
      `answered srv-6 ${iso(1200)}`,
      `held srv-6 ${iso(2000)}`,
      `resumed srv-6 ${iso(3000)}`,
      `ended srv-6 ${iso(4000)}`,
    ]);
  });

  it('gives up on a call it could not create, without throwing', async () => {
    const api = new RecordingApi();
    api.fail = true;
    const logged: string[] = [];
    const reporter = new CallReporter(api, (m) => logged.push(m));
    const t = new CallTracker();
    t.onPbx(1, [conn(5, A.Inserted, S.Ringing)], 0);
    reporter.sync(t.all());
    t.onPbx(1, [conn(5, A.Deleted, null)], 10);
    reporter.sync(t.all());
    await reporter.settled();
    expect(api.log).toEqual([]);
    expect(logged).toEqual(['could not report call 6: HTTP 503']);
  });

  it('names WebRTC-only calls after their first peer connection', () => {
    const t = new CallTracker();
    t.onPcCreated(3, 'pc-12345678', 0);
    expect(pbxCallIdOf(t.all()[0]!)).toBe('webrtc-pc-12345678');
  });
});
