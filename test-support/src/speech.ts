import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Real speech as the server stores it: a 16 kHz mono s16 WAV made by espeak-ng and sox. */
export function speechWav(text: string, voice = 'fr'): Buffer {
  for (const tool of ['espeak-ng', 'sox']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    } catch {
      throw new Error(
        `${tool} is not installed: run scripts/ensure-deps.sh (apt-get install -y ${tool})`,
      );
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'cwn-pwa-speech-'));
  try {
    execFileSync('espeak-ng', ['-v', voice, '-s', '150', '-w', join(dir, 'raw.wav'), text], {
      stdio: 'pipe',
    });
    execFileSync(
      'sox',
      [
        join(dir, 'raw.wav'),
        '-r',
        '16000',
        '-c',
        '1',
        '-b',
        '16',
        '-e',
        'signed-integer',
        join(dir, 'out.wav'),
      ],
      { stdio: 'pipe' },
    );
    return readFileSync(join(dir, 'out.wav'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
