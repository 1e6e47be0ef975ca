import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Action, ConnectionState, myExtensionInfoFrame } from './myphone-frames';
import { startFake3cx, type Fake3cx } from './server';

let fake: Fake3cx;
beforeAll(async () => {
  fake = await startFake3cx({ keepAliveMs: 50, extension: '205' });
});
afterAll(async () => {
  await fake.close();
});

async function session(): Promise<{ sessionKey: string; pass: string }> {
  const res = await fetch(`${fake.origin}/webclient/api/MyPhone/session`, { method: 'POST' });
  return (await res.json()) as { sessionKey: string; pass: string };
}

/** Opens the push socket and collects what it receives. */
async function push(): Promise<{ ws: WebSocket; texts: string[]; frames: Buffer[] }> {
  const { sessionKey, pass } = await session();
  const ws = new WebSocket(
    `ws://127.0.0.1:${new URL(fake.origin).port}/ws/webclient?sessionId=${sessionKey}&pass=${pass}`,
  );
  const texts: string[] = [];
  const frames: Buffer[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) =>
    isBinary ? frames.push(data) : texts.push(data.toString()),
  );
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, texts, frames };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
};

describe('fake 3CX web client', () => {
  it('serves the web client and its provisioning', async () => {
    const page = await fetch(fake.webClientUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/webclient/app.js');
    expect(await (await fetch(`${fake.origin}/webclient/provision.json`)).json()).toEqual({
      username: '205',
      domain: 'fake3cx.local',
    });
  });

  it('refuses a push socket without a valid session', async () => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${new URL(fake.origin).port}/ws/webclient?sessionId=x&pass=y`,
    );
    const error = await new Promise<Error>((resolve) => ws.once('error', resolve));
    expect(error.message).toMatch(/403/);
  });

  it('sends START, ADDP keep-alives, and protobuf frames through a call’s life', async () => {
    const { ws, texts, frames } = await push();
    await until(() => texts[0] === 'START' && texts.includes('ADDP'));

    const call = fake.placeInboundCall('+49 89 1234', 'Lise Meitner');
    await until(() => frames.length === 1);
    const base = {
      connectionId: call.connectionId,
      callId: call.callId,
      otherPartyName: 'Lise Meitner',
      otherPartyCallerId: '+49 89 1234',
      isIncoming: true,
      otherPartyDn: '+49 89 1234',
    };
    expect(frames[0]).toEqual(
      myExtensionInfoFrame([{ ...base, action: Action.Inserted, state: ConnectionState.Ringing }]),
    );

    const answer = await fetch(`${fake.origin}/MyPhone/MPWebService.asmx`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ action: 'answer', connectionId: call.connectionId }),
    });
    expect(answer.status).toBe(200);
    await until(() => frames.length === 2);
    expect(frames[1]).toEqual(
      myExtensionInfoFrame([{ ...base, action: Action.Updated, state: ConnectionState.Connected }]),
    );
    expect(fake.calls()).toMatchObject([{ connectionId: call.connectionId, state: 'connected' }]);

    const hangup = await fetch(`${fake.origin}/control/calls/${call.connectionId}/remote-hangup`, {
      method: 'POST',
    });
    expect(hangup.status).toBe(204);
    await until(() => frames.length === 3);
    expect(frames[2]).toEqual(
      myExtensionInfoFrame([{ ...base, action: Action.Deleted, state: ConnectionState.Connected }]),
    );
    expect(fake.calls()).toEqual([]);
    ws.close();
  });

  it('answers bad control and agent requests with 4xx', async () => {
    const bad = await fetch(`${fake.origin}/control/calls`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'no number' }),
    });
    expect(bad.status).toBe(400);
    const unknown = await fetch(`${fake.origin}/MyPhone/MPWebService.asmx`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ action: 'hold', connectionId: 1 }),
    });
    expect(unknown.status).toBe(404);
    expect(
      (await fetch(`${fake.origin}/control/calls/1/remote-hangup`, { method: 'POST' })).status,
    ).toBe(404);
  });

  it('serves the caller’s speech file when one is configured, and says so to the far end', async () => {
    expect(await (await fetch(`${fake.origin}/pbx-config.json`)).json()).toEqual({
      toneHz: 440,
      audioUrl: null,
    });
    expect((await fetch(`${fake.origin}/caller.wav`)).status).toBe(404);
    const dir = mkdtempSync(join(tmpdir(), 'fake-3cx-spec-'));
    const file = join(dir, 'caller.wav');
    execFileSync('espeak-ng', ['-w', file, 'my printer is broken']);
    const talking = await startFake3cx({ callerAudioFile: file });
    try {
      expect(await (await fetch(`${talking.origin}/pbx-config.json`)).json()).toEqual({
        toneHz: 440,
        audioUrl: '/caller.wav',
      });
      const wav = Buffer.from(await (await fetch(`${talking.origin}/caller.wav`)).arrayBuffer());
      expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
      expect(wav.length).toBeGreaterThan(10_000);
    } finally {
      await talking.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
