import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type request from 'supertest';
import type { TokenPair } from '@cwn/protocol';
import type { TestApp } from '@cwn/test-support/app';
import type { InProcessWorker } from '@cwn/test-support/worker';
import { speak } from '../../src/live/windowing/speech.fixture';

export const as = (p: TokenPair) => ({ Authorization: `Bearer ${p.accessToken}` });

let calls = 0;
export async function newCall(t: TestApp, agent: TokenPair): Promise<string> {
  const res = await t.http
    .post('/api/calls')
    .set(as(agent))
    .send({
      direction: 'inbound',
      pbxCallId: `pbx-live-${process.pid}-${Date.now().toString(36)}-${++calls}`,
      startedAt: new Date().toISOString(),
    });
  if (res.status !== 201) throw new Error(`call not created: ${res.status}`);
  await t.http.patch(`/api/calls/${res.body.id}`).set(as(agent)).send({ event: 'answered' });
  return res.body.id as string;
}

export const FORMAT = { sampleRate: 16000, channels: 2, encoding: 's16le' } as const;

export async function openLive(
  t: TestApp,
  agent: TokenPair,
  callId: string,
  extra: { languageHint?: string } = {},
): Promise<string> {
  const res = await t.http
    .post(`/api/calls/${callId}/live`)
    .set(as(agent))
    .send({ format: FORMAT, ...extra });
  if (res.status !== 201)
    throw new Error(`live not opened: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export function append(
  t: TestApp,
  agent: TokenPair,
  id: string,
  offset: number | string,
  body: Buffer,
  type = 'application/octet-stream',
): request.Test {
  return t.http
    .put(`/api/live-recordings/${id}/audio`)
    .set(as(agent))
    .set('Content-Type', type)
    .set('Upload-Offset', String(offset))
    .send(body);
}

/** Sends `pcm` from `from` in pieces of `piece` bytes; resolves with the offset reached. */
export async function stream(
  t: TestApp,
  agent: TokenPair,
  id: string,
  pcm: Buffer,
  from = 0,
  to = pcm.length,
  piece = 32_000,
): Promise<number> {
  let at = from;
  while (at < to) {
    const end = Math.min(to, at + piece);
    const res = await append(t, agent, id, at, pcm.subarray(at, end));
    if (res.status !== 200)
      throw new Error(`append at ${at}: ${res.status} ${JSON.stringify(res.body)}`);
    at = res.body.offset as number;
  }
  return at;
}

/** Where each utterance lies in a call's audio (samples of its channel). */
export interface Utterance {
  channel: 'agent' | 'caller';
  start: number;
  end: number;
}

/**
 * A two-sided call: real espeak-ng speech, agent left and caller right, taking turns with pauses,
 * as interleaved s16le stereo PCM (the live protocol's bytes).
 */
export function twoSidedCall(): { pcm: Buffer; utterances: Utterance[] } {
  const turns: { channel: Utterance['channel']; text: string }[] = [
    { channel: 'agent', text: 'Hello, help desk, how can I help you today?' },
    { channel: 'caller', text: 'My printer stopped working this morning.' },
    { channel: 'agent', text: 'Let me check that for you right now.' },
  ];
  const gap = 16_000;
  let at = 8_000;
  const utterances: Utterance[] = [];
  const voices = turns.map((turn) => {
    const samples = speak(turn.text);
    const u = { channel: turn.channel, start: at, end: at + samples.length };
    utterances.push(u);
    at = u.end + gap;
    return { samples, u };
  });
  const frames = at;
  const pcm = Buffer.alloc(frames * 4);
  for (const { samples, u } of voices) {
    const off = u.channel === 'agent' ? 0 : 2;
    for (let i = 0; i < samples.length; i++) pcm.writeInt16LE(samples[i]!, (u.start + i) * 4 + off);
  }
  return { pcm, utterances };
}

export const wavOf = (pcm: Buffer) => {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + pcm.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(2, 22);
  h.writeUInt32LE(16000, 24);
  h.writeUInt32LE(64000, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([h, pcm]);
};

/**
 * Stops a real worker once the window it is transcribing is done (a grace of 30 s), so that no job
 * is left mid-run in the queue the next test file's prefix does not share anyway.
 */
export async function stopWorker(w: InProcessWorker | undefined): Promise<void> {
  if (!w) return;
  await w.worker.stop(30_000);
  await w.stop();
}

/** A TCP relay (to Redis) that can be cut and restored on the same port. */
export async function relay(port: number): Promise<{
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let listenPort = 0;
  const start = async () => {
    if (server) return;
    server = createServer((client) => {
      const upstream = connect(port, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(listenPort, '127.0.0.1', resolve));
    listenPort = (server!.address() as AddressInfo).port;
  };
  const cut = async () => {
    const s = server;
    server = null;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const sock of sockets) sock.destroy();
    await closed;
  };
  await start();
  return { port: listenPort, cut, restore: start, close: cut };
}
