/**
 * A short spoken call without a microphone: espeak-ng says the agent's line (left channel) and,
 * with another voice, the caller's answer (right channel, after the agent), joined by sox into a
 * 16 kHz 16-bit stereo WAV, the format the extension uploads.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const AGENT_LINE = 'Good morning, this is the help desk, how can I help you?';
export const CALLER_LINE = 'Hello, since this morning my printer shows a paper jam error.';

function tool(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `${cmd} is not installed (apt-get install -y espeak-ng sox), or pass --audio FILE`,
      );
    }
    throw new Error(`${cmd} failed: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`);
  }
}

export function makeTwoVoiceWav(agentLine = AGENT_LINE, callerLine = CALLER_LINE): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'cwn-simulate-'));
  const f = (name: string) => join(dir, name);
  const mono16k = ['-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer'];
  try {
    tool('espeak-ng', ['-v', 'en-us', '-w', f('agent-raw.wav'), agentLine]);
    tool('espeak-ng', ['-v', 'en+f3', '-w', f('caller-raw.wav'), callerLine]);
    tool('sox', [f('agent-raw.wav'), ...mono16k, f('agent.wav')]);
    tool('sox', [f('caller-raw.wav'), ...mono16k, f('caller.wav')]);
    const agentS = Number(tool('sox', ['--i', '-D', f('agent.wav')]));
    const callerS = Number(tool('sox', ['--i', '-D', f('caller.wav')]));
    // Both sides last lead + agent + gap + caller + tail: the caller answers after the agent.
    const lead = 0.5;
    const gap = 0.7;
    const tail = 0.5;
    tool('sox', [f('agent.wav'), f('left.wav'), 'pad', String(lead), String(gap + callerS + tail)]);
    tool('sox', [
      f('caller.wav'),
      f('right.wav'),
      'pad',
      String(lead + agentS + gap),
      String(tail),
    ]);
    tool('sox', ['-M', f('left.wav'), f('right.wav'), '-b', '16', f('call.wav')]);
    return readFileSync(f('call.wav'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
