/**
 * @jest-environment @cwn/test-support/native-realm.jest-environment
 */
/*
 * (The server runs Silero VAD in this process: onnxruntime needs the process's typed arrays.)
 *
 * simulate-call --live's client against the real server and worker through a TCP relay that cuts
 * the network for 30 s mid-call: appends in flight are lost (some after the server stored them),
 * the client asks the server where it stands and resends from there, and the stored WAV is
 * bit-exact with the streamed one.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { LiveRecording } from '@cwn/protocol';
import { startTestApp, TEST_PASSWORD, uniqueEmail, type TestApp } from '@cwn/test-support/app';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import { encodeWav, msOf, place, speak } from '@cwn/test-support/worker-speech';
import { livePcmOfWav, simulateLiveCall } from '../src/simulate-call/live';

jest.setTimeout(180_000);

let t: TestApp;
let worker: InProcessWorker | undefined;
let email: string;
let relay: Server;
let relayUrl: string;
let down = false;
const open = new Set<Socket>();

beforeAll(async () => {
  t = await startTestApp({ REDIS_PREFIX: `${process.env.CWN_TEST_REDIS_PREFIX}-simlive` });
  await t.transcriptionEvents.start();
  email = uniqueEmail('sim-live');
  await t.services.users.create({
    email,
    password: TEST_PASSWORD,
    role: 'agent',
    displayName: 'Sim Live',
  });
  worker = await startInProcessWorker(t, 'scripts-live');
  const port = Number(new URL(t.url()).port);
  // the client's network: every connection relayed to the server, until it is cut
  relay = createServer((client) => {
    if (down) return client.destroy();
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of open) s.destroy();
  await new Promise((r) => relay?.close(r));
  await worker?.stop();
  await t?.close();
});

function callWav(): Buffer {
  const a = speak('Good morning, help desk, how can I help you today?');
  const c = speak('Hello, my printer shows a paper jam error since this morning.');
  const a2 = speak('I will send a technician to your office this afternoon.');
  const total = 600 + msOf(a) + 1500 + msOf(c) + 1500 + msOf(a2) + 1500;
  const cAt = 600 + msOf(a) + 1500;
  const a2At = cAt + msOf(c) + 1500;
  return encodeWav([
    place(total, [
      { atMs: 600, pcm: a },
      { atMs: a2At, pcm: a2 },
    ]),
    place(total, [{ atMs: cAt, pcm: c }]),
  ]);
}

async function storedPcm(token: string, liveRecordingId: string): Promise<Buffer> {
  const auth = { authorization: `Bearer ${token}` };
  const state = LiveRecording.parse(
    (await t.http.get(`/api/live-recordings/${liveRecordingId}`).set(auth)).body,
  );
  expect(state.state).toBe('closed');
  const audio = await t.http
    .get(`/api/recordings/${state.recordingId}/audio`)
    .set(auth)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  expect(audio.status).toBe(200);
  return livePcmOfWav(audio.body as Buffer);
}

const loginToken = async () =>
  (await t.http.post('/api/auth/login').send({ email, password: TEST_PASSWORD })).body
    .accessToken as string;

describe('simulate-call --live under faults', () => {
  it('resends from the server’s offset after a 30 s network cut; the stored WAV is bit-exact', async () => {
    const wav = callWav();
    const lines: string[] = [];
    let cutDone = false;
    const log = (l: string) => {
      lines.push(l);
      // cut once the recording is open and streaming, for 30 s, every connection dropped
      if (!cutDone && l.includes('live recording') && l.endsWith('open')) {
        cutDone = true;
        setTimeout(() => {
          down = true;
          for (const s of open) s.destroy();
          setTimeout(() => (down = false), 30_000);
        }, 2_000);
      }
    };
    const result = await simulateLiveCall(
      {
        server: relayUrl,
        email,
        password: TEST_PASSWORD,
        number: '+33 6 12 34 56 78',
        wav,
        speed: 2,
        chunkMs: 250,
        finalTimeoutMs: 90_000,
      },
      log,
    );
    expect(cutDone).toBe(true);
    expect(result.resends).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(/append: network error .*: resending from byte \d+/);
    expect(result.transcript.segments.length).toBeGreaterThan(0);
    const stored = await storedPcm(await loginToken(), result.liveRecordingId);
    expect(stored.length).toBe(livePcmOfWav(wav).length);
    expect(Buffer.compare(stored, livePcmOfWav(wav))).toBe(0);
  });

  it('an append at a wrong offset is refused with the offset expected; the client resends from there, bit-exact', async () => {
    const wav = callWav();
    const lines: string[] = [];
    const wrong: number[] = [];
    const result = await simulateLiveCall(
      {
        server: t.url(),
        email,
        password: TEST_PASSWORD,
        number: '+33 6 12 34 56 79',
        wav,
        speed: 2,
        chunkMs: 250,
        finalTimeoutMs: 90_000,
        // the 2nd append skips a second of audio (a gap), the 4th starts a frame past the end
        declaredOffset: (offset, n) => {
          if (n !== 1 && n !== 3) return offset;
          const declared = offset + (n === 1 ? 64_000 : 4);
          wrong.push(declared);
          return declared;
        },
      },
      (l) => lines.push(l),
    );
    expect(wrong).toHaveLength(2);
    expect(result.resends).toBe(2);
    const refused = lines.filter((l) =>
      /append: HTTP 409 live_offset_mismatch: .*resending from byte \d+$/.test(l),
    );
    expect(refused).toHaveLength(2);
    expect(result.transcript.segments.length).toBeGreaterThan(0);
    const stored = await storedPcm(await loginToken(), result.liveRecordingId);
    expect(stored.length).toBe(livePcmOfWav(wav).length);
    expect(Buffer.compare(stored, livePcmOfWav(wav))).toBe(0);
  });
});
