import { audioDirection, sdpHoldState } from './wire';

const sdp = (audioDir: string | null, session: string | null = null) =>
  [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    ...(session ? [`a=${session}`] : []),
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'a=mid:0',
    ...(audioDir ? [`a=${audioDir}`] : []),
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'a=inactive',
    '',
  ].join('\r\n');

describe('SDP hold detection', () => {
  it('reads the audio section direction, not the video one', () => {
    expect(audioDirection(sdp('sendrecv'))).toBe('sendrecv');
    expect(audioDirection(sdp('sendonly'))).toBe('sendonly');
    expect(audioDirection(sdp(null))).toBe('sendrecv');
    expect(audioDirection(sdp(null, 'inactive'))).toBe('inactive');
    expect(audioDirection(undefined)).toBeNull();
  });

  it('is on hold when either side stops sending both ways', () => {
    expect(sdpHoldState(sdp('sendrecv'), sdp('sendrecv'))).toBe(false);
    expect(sdpHoldState(sdp('sendonly'), sdp('recvonly'))).toBe(true);
    expect(sdpHoldState(sdp('sendrecv'), sdp('inactive'))).toBe(true);
    expect(sdpHoldState(undefined, undefined)).toBe(false);
  });
});
