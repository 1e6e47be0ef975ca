import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestApp } from './app';

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface WavSpec {
  channels?: number;
  sampleRate?: number;
  bits?: number;
  /** 1 = PCM, 3 = IEEE float. */
  format?: number;
  /** Frames of audio (default 1 s at the sample rate). */
  frames?: number;
  /** Override the data chunk's declared size. */
  dataSize?: number;
  /** Override the RIFF chunk's declared size. */
  riffSize?: number;
}

/** A WAV file built byte by byte: a deterministic two-tone signal (agent 440 Hz, caller 660 Hz). */
export function makeWav(spec: WavSpec = {}): Buffer {
  const channels = spec.channels ?? 2;
  const rate = spec.sampleRate ?? 16000;
  const bits = spec.bits ?? 16;
  const frames = spec.frames ?? rate;
  const bytesPerSample = bits / 8;
  const data = Buffer.alloc(frames * channels * bytesPerSample);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const v = Math.sin((2 * Math.PI * (440 + 220 * c) * i) / rate) * 0.5;
      const off = (i * channels + c) * bytesPerSample;
      if (bits === 16) data.writeInt16LE(Math.round(v * 32767), off);
      else if (bits === 8) data.writeUInt8(Math.round(128 + v * 127), off);
      else if (bits === 32) data.writeFloatLE(v, off);
    }
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(spec.riffSize ?? 36 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(spec.format ?? 1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * bytesPerSample, 28);
  header.writeUInt16LE(channels * bytesPerSample, 32);
  header.writeUInt16LE(bits, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(spec.dataSize ?? data.length, 40);
  return Buffer.concat([header, data]);
}

/** Real speech: espeak-ng, resampled by sox to 16 kHz s16 stereo (speech left, silence right). */
export function spokenWav(text: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'cwn-speech-'));
  try {
    const raw = join(dir, 'raw.wav');
    const out = join(dir, 'out.wav');
    execFileSync('espeak-ng', ['-w', raw, text]);
    execFileSync('sox', [
      raw,
      '-r',
      '16000',
      '-b',
      '16',
      '-e',
      'signed-integer',
      out,
      'remix',
      '1',
      '0',
    ]);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const randomBody = (n: number) => randomBytes(n);

let keyCounter = 0;
export const idemKey = () => `k-${process.pid}-${Date.now().toString(36)}-${++keyCounter}`;

export function callMeta(extra: Record<string, string> = {}): Record<string, string> {
  return {
    direction: 'inbound',
    pbxCallId: `pbx-${idemKey()}`,
    startedAt: '2026-11-20T10:00:00.000Z',
    remoteNumber: '+33 1 23 45 67 89',
    ...extra,
  };
}

/** POST /api/upload-recording with a raw body. */
export function upload(
  t: TestApp,
  token: string,
  body: Buffer,
  query: Record<string, string>,
  key: string = idemKey(),
) {
  return t.http
    .post('/api/upload-recording')
    .query(query)
    .set('Authorization', `Bearer ${token}`)
    .set('Content-Type', 'audio/wav')
    .set('Idempotency-Key', key)
    .send(body);
}

/**
 * Everything an agent's upload could leave behind: its rows, and the files of this test file's
 * store (other test files share the database, not the store).
 */
export async function leftovers(
  t: TestApp,
  agentId: string,
): Promise<{ recordings: number; files: number; calls: number; sessions: number; staged: number }> {
  const store = await t.recordings.store();
  let files = 0;
  for await (const _ of store.blobs.list()) files++;
  let staged = 0;
  try {
    staged = readdirSync(join(t.config.storageDir, 'uploads')).length;
  } catch {
    staged = 0;
  }
  return {
    recordings: await t.models.Recording.count({ where: { agentId } }),
    files,
    calls: await t.models.Call.count({ where: { agentId } }),
    sessions: await t.models.UploadSession.count({ where: { agentId } }),
    staged,
  };
}

/**
 * Resolves once the next call of `target[method]` has settled (resolved or thrown): for a request
 * the test cut off, the moment the server is done with it. The method is restored then.
 */
export function nextCallSettled<T extends object>(
  target: T,
  method: keyof T & string,
): Promise<void> {
  const original = target[method] as (...args: unknown[]) => Promise<unknown>;
  return new Promise((resolve) => {
    (target as Record<string, unknown>)[method] = async function (
      this: unknown,
      ...args: unknown[]
    ) {
      (target as Record<string, unknown>)[method] = original;
      try {
        return await original.apply(this, args);
      } finally {
        resolve();
      }
    };
  });
}
