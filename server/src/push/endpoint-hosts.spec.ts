import { DEFAULT_PUSH_HOSTS, pushEndpointAllowed } from './endpoint-hosts';

describe('pushEndpointAllowed', () => {
  it("allows the browsers' push services by default", () => {
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc',
      'https://updates.push.services.mozilla.com/wpush/v2/abc',
      'https://db5p.notify.windows.com/w/?token=abc',
      'https://web.push.apple.com/QGx',
    ]) {
      expect(pushEndpointAllowed(endpoint, DEFAULT_PUSH_HOSTS)).toBe(true);
    }
  });

  it('refuses other hosts, look-alikes and internal addresses', () => {
    for (const endpoint of [
      'https://evil.example/fcm.googleapis.com',
      'https://fcm.googleapis.com.evil.example/x',
      'https://notfcm.googleapis.com.example/x',
      'https://xfcm.googleapis.com/x',
      'https://169.254.169.254/latest/meta-data',
      'https://127.0.0.1:6379/',
      'not a url',
    ]) {
      expect(pushEndpointAllowed(endpoint, DEFAULT_PUSH_HOSTS)).toBe(false);
    }
  });

  it("follows a configured list, and '*' allows any host", () => {
    expect(pushEndpointAllowed('https://push.internal.example/x', ['internal.example'])).toBe(true);
    expect(pushEndpointAllowed('https://fcm.googleapis.com/x', ['internal.example'])).toBe(false);
    expect(pushEndpointAllowed('https://anything.example/x', ['*'])).toBe(true);
  });
});
