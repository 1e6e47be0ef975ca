import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Real speech for the windowing specs: espeak-ng, resampled by sox to 16 kHz mono s16 samples. */
export function speak(text: string): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), 'cwn-vad-'));
  try {
    execFileSync('espeak-ng', ['-w', join(dir, 'raw.wav'), text]);
    execFileSync('sox', [
      join(dir, 'raw.wav'),
      '-r',
      '16000',
      '-b',
      '16',
      '-e',
      'signed-integer',
      '-c',
      '1',
      '-t',
      'raw',
      join(dir, 'out.raw'),
    ]);
    const b = readFileSync(join(dir, 'out.raw'));
    return new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
