import { PermanentError } from '../errors';

export const SAMPLE_RATE = 16000;

export interface DecodedAudio {
  sampleRate: number;
  /** One Float32Array per channel, samples in [-1, 1). */
  channels: Float32Array[];
  durationMs: number;
}

export class WavError extends PermanentError {
  constructor(message: string) {
    super(`invalid WAV: ${message}`, 'invalid_audio');
    this.name = 'WavError';
  }
}

/**
 * Decodes a RIFF/WAVE file holding PCM signed 16-bit little-endian, 16 kHz, mono or stereo (what
 * the server stores). Anything else is refused with a WavError naming what is wrong; no resampling.
 */
export function decodeWav(buf: Buffer): DecodedAudio {
  if (buf.length < 12) throw new WavError(`file too short (${buf.length} bytes)`);
  if (buf.toString('ascii', 0, 4) !== 'RIFF') throw new WavError('missing RIFF header');
  if (buf.toString('ascii', 8, 12) !== 'WAVE') throw new WavError('RIFF type is not WAVE');
  let fmt: {
    format: number;
    channels: number;
    rate: number;
    blockAlign: number;
    bits: number;
  } | null = null;
  let data: Buffer | null = null;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new WavError('truncated fmt chunk');
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe && size >= 40 && body + 40 <= buf.length) {
        // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the real format code
        format = buf.readUInt16LE(body + 24);
      }
      fmt = {
        format,
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        blockAlign: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new WavError('data chunk before fmt chunk');
      // a streaming writer may leave the size at 0 or 0xFFFFFFFF: take what is there
      const end = size === 0 || size === 0xffffffff ? buf.length : body + size;
      if (end > buf.length)
        throw new WavError(`truncated data chunk (${buf.length - body} of ${size} bytes)`);
      data = buf.subarray(body, end);
      break;
    }
    off = body + size + (size & 1);
  }
  if (!fmt) throw new WavError('no fmt chunk');
  if (!data) throw new WavError('no data chunk');
  if (fmt.format !== 1) throw new WavError(`format ${fmt.format} is not PCM (1)`);
  if (fmt.bits !== 16) throw new WavError(`${fmt.bits}-bit samples, expected 16-bit`);
  if (fmt.rate !== SAMPLE_RATE)
    throw new WavError(`sample rate ${fmt.rate} Hz, expected ${SAMPLE_RATE} Hz`);
  if (fmt.channels !== 1 && fmt.channels !== 2)
    throw new WavError(`${fmt.channels} channels, expected 1 or 2`);
  if (fmt.blockAlign !== 2 * fmt.channels)
    throw new WavError(`block align ${fmt.blockAlign} does not match`);
  if (data.length % fmt.blockAlign !== 0)
    throw new WavError('data length is not a whole number of frames');
  const frames = data.length / fmt.blockAlign;
  if (frames === 0) throw new WavError('no samples');
  const channels = Array.from({ length: fmt.channels }, () => new Float32Array(frames));
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < fmt.channels; c++) {
      channels[c]![i] = data.readInt16LE((i * fmt.channels + c) * 2) / 32768;
    }
  }
  return { sampleRate: fmt.rate, channels, durationMs: Math.round((frames * 1000) / fmt.rate) };
}

/** Encodes Float32 channels as a 16-bit PCM WAV (tests, bench). */
export function encodeWav(channels: Float32Array[], sampleRate = SAMPLE_RATE): Buffer {
  const n = channels[0]?.length ?? 0;
  const ch = channels.length;
  const out = Buffer.alloc(44 + n * ch * 2);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + n * ch * 2, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(ch, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * ch * 2, 28);
  out.writeUInt16LE(ch * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(n * ch * 2, 40);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < ch; c++) {
      const v = Math.max(-1, Math.min(1, channels[c]![i]!));
      out.writeInt16LE(Math.round(v < 0 ? v * 32768 : v * 32767), 44 + (i * ch + c) * 2);
    }
  }
  return out;
}
