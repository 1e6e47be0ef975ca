/**
 * Real speech for tests: espeak-ng (Debian package espeak-ng) resampled to 16 kHz mono s16 by sox
 * (package sox). A missing tool fails the test with the command to install it; tests never skip.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, SAMPLE_RATE } from '../../worker-gpu/src/audio/wav';

function requireTool(tool: string, pkg: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
  } catch {
    throw new Error(
      `${tool} is not installed: run \`apt-get install -y ${pkg}\` (needed to make test speech)`,
    );
  }
}

const cache = new Map<string, Float32Array>();

/** Spoken text as 16 kHz mono Float32 samples. */
export function speak(text: string, voice = 'en'): Float32Array {
  const key = `${voice}|${text}`;
  const hit = cache.get(key);
  if (hit) return hit;
  requireTool('espeak-ng', 'espeak-ng');
  requireTool('sox', 'sox');
  const dir = mkdtempSync(join(tmpdir(), 'cwn-speech-'));
  try {
    const raw = join(dir, 'raw.wav');
    const out = join(dir, 'out.wav');
    execFileSync('espeak-ng', ['-v', voice, '-s', '160', '-w', raw, text], { stdio: 'pipe' });
    execFileSync(
      'sox',
      [raw, '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', out],
      {
        stdio: 'pipe',
      },
    );
    const pcm = decodeWav(readFileSync(out)).channels[0]!;
    cache.set(key, pcm);
    return pcm;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `pcm` placed at `atMs` in `totalMs` of silence (plus a little noise so it is not digital zero). */
export function place(
  totalMs: number,
  parts: Array<{ atMs: number; pcm: Float32Array }>,
  noise = 0.0005,
): Float32Array {
  const out = new Float32Array(Math.round((totalMs * SAMPLE_RATE) / 1000));
  let seed = 12345;
  for (let i = 0; i < out.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out[i] = ((seed / 0x7fffffff) * 2 - 1) * noise;
  }
  for (const { atMs, pcm } of parts) {
    const from = Math.round((atMs * SAMPLE_RATE) / 1000);
    for (let i = 0; i < pcm.length && from + i < out.length; i++) out[from + i]! += pcm[i]!;
  }
  return out;
}

export const msOf = (pcm: Float32Array) => Math.round((pcm.length * 1000) / SAMPLE_RATE);

// What a test speaks, written as the WAV a recording upload carries.
export { encodeWav } from '../../worker-gpu/src/audio/wav';
