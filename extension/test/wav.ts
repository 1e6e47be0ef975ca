/** Reads a PCM s16le WAV and measures each channel (test helper). */
export interface WavInfo {
  channels: number;
  sampleRate: number;
  frames: number;
  /** Per channel: RMS (0..1) and the dominant frequency estimated from zero crossings. */
  perChannel: { rms: number; hz: number }[];
}

export function analyseWav(buf: Buffer): WavInfo {
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE')
    throw new Error('not a WAV');
  let pos = 12;
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  let data: Buffer | null = null;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('ascii', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    if (id === 'fmt ') {
      channels = buf.readUInt16LE(pos + 10);
      sampleRate = buf.readUInt32LE(pos + 12);
      bits = buf.readUInt16LE(pos + 22);
    } else if (id === 'data') {
      data = buf.subarray(pos + 8, Math.min(buf.length, pos + 8 + size));
      break;
    }
    pos += 8 + size + (size % 2);
  }
  if (!data || bits !== 16) throw new Error('expected 16-bit PCM data');
  const frames = Math.floor(data.length / (2 * channels));
  const perChannel = [];
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let crossings = 0;
    let prev = 0;
    for (let i = 0; i < frames; i++) {
      const s = data.readInt16LE((i * channels + c) * 2) / 32768;
      sum += s * s;
      if ((prev < 0 && s >= 0) || (prev >= 0 && s < 0)) crossings++;
      prev = s;
    }
    perChannel.push({
      rms: Math.sqrt(sum / Math.max(1, frames)),
      hz: crossings / 2 / (frames / sampleRate),
    });
  }
  return { channels, sampleRate, frames, perChannel };
}

/** The same measures over a window [fromS, toS) of the file, for signals that are silent in parts. */
export function analyseWindow(
  buf: Buffer,
  fromS: number,
  toS: number,
): { rms: number; hz: number }[] {
  const info = analyseWav(buf);
  const dataStart = buf.indexOf('data') + 8;
  const frameBytes = 2 * info.channels;
  const a = Math.floor(fromS * info.sampleRate);
  const b = Math.min(info.frames, Math.floor(toS * info.sampleRate));
  const header = Buffer.from(buf.subarray(0, dataStart));
  header.writeUInt32LE((b - a) * frameBytes, dataStart - 4);
  const slice = Buffer.concat([
    header,
    buf.subarray(dataStart + a * frameBytes, dataStart + b * frameBytes),
  ]);
  return analyseWav(slice).perChannel;
}
