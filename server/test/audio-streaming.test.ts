import { get, type IncomingMessage, type ServerResponse } from 'node:http';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { callMeta, makeWav, sha256, upload } from '@cwn/test-support/recording-fixtures';

let t: TestApp;
let agent: { token: string; id: string };

beforeAll(async () => {
  t = await startTestApp();
  const pair = await t.userWithRole('agent');
  agent = { token: pair.accessToken, id: pair.user.id };
});
afterAll(async () => {
  await t.close();
});

describe('streaming a large recording to a slow reader', () => {
  // Ten 'close' listeners on one response is where Node warns (MaxListenersExceededWarning).
  it('keeps the response’s close listeners bounded', async () => {
    const wav = makeWav({ frames: 16000 * 180 }); // 3 min of stereo: 11.5 MB
    const up = await upload(t, agent.token, wav, { ...callMeta(), sha256: sha256(wav) });
    expect(up.status).toBe(201);

    let served: ServerResponse | undefined;
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.endsWith('/audio')) served = res;
    };
    t.server.on('request', onRequest);
    let maxCloseListeners = 0;
    let pauses = 0;
    try {
      const received = await new Promise<number>((resolve, reject) => {
        const req = get(
          `${t.url()}/api/recordings/${up.body.recording.id}/audio`,
          { headers: { Authorization: `Bearer ${agent.token}` } },
          (res) => {
            if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
            let bytes = 0;
            res.on('data', (chunk: Buffer) => {
              bytes += chunk.length;
              if (served)
                maxCloseListeners = Math.max(maxCloseListeners, served.listenerCount('close'));
              // Read slowly: the server meets backpressure again and again.
              res.pause();
              pauses++;
              setTimeout(() => res.resume(), 1);
            });
            res.on('end', () => resolve(bytes));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
      });
      expect(received).toBe(wav.length);
    } finally {
      t.server.off('request', onRequest);
    }
    expect(pauses).toBeGreaterThan(50);
    expect(maxCloseListeners).toBeLessThan(10);
  });
});
