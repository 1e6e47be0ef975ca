import { REQUIRED_SAMPLE_RATE, type LiveChannel } from '@cwn/protocol';

/** The 44-byte header of a 16 kHz s16 PCM WAV holding `dataBytes` of samples. */
export function wavHeader(dataBytes: number, channels: 1 | 2): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(REQUIRED_SAMPLE_RATE, 24);
  h.writeUInt32LE(REQUIRED_SAMPLE_RATE * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** One channel (left: agent, right: caller) of interleaved stereo s16 PCM, as mono s16 PCM. */
export function channelOf(stereo: Buffer, channel: LiveChannel): Buffer {
  const frames = Math.floor(stereo.length / 4);
  const out = Buffer.alloc(frames * 2);
  const at = channel === 'agent' ? 0 : 2;
  for (let i = 0; i < frames; i++) stereo.copy(out, i * 2, i * 4 + at, i * 4 + at + 2);
  return out;
}

/**
 * Where the PCM of a stored WAV starts and how long it is, from its first bytes (the validator
 * accepted it at upload, so the chunks are well formed); null when `head` does not reach `data`.
 */
export function dataChunkOf(head: Buffer): { offset: number; length: number } | null {
  let pos = 12;
  while (pos + 8 <= head.length) {
    const id = head.toString('latin1', pos, pos + 4);
    const size = head.readUInt32LE(pos + 4);
    if (id === 'data') return { offset: pos + 8, length: size };
    pos += 8 + size + (size % 2);
  }
  return null;
}
