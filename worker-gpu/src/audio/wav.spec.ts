import { PermanentError } from '../errors';
import { decodeWav, encodeWav, WavError } from './wav';

function header(opts: {
  format?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  dataBytes?: number;
  riff?: string;
  wave?: string;
}) {
  const {
    format = 1,
    channels = 1,
    rate = 16000,
    bits = 16,
    dataBytes = 4,
    riff = 'RIFF',
    wave = 'WAVE',
  } = opts;
  const b = Buffer.alloc(44 + dataBytes);
  b.write(riff, 0, 'ascii');
  b.writeUInt32LE(36 + dataBytes, 4);
  b.write(wave, 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(format, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE((rate * channels * bits) / 8, 28);
  b.writeUInt16LE((channels * bits) / 8, 32);
  b.writeUInt16LE(bits, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(dataBytes, 40);
  return b;
}

describe('decodeWav', () => {
  it('decodes mono s16le 16 kHz', () => {
    const wav = encodeWav([Float32Array.from([0, 0.5, -0.5, -1])]);
    const a = decodeWav(wav);
    expect(a.sampleRate).toBe(16000);
    expect(a.channels).toHaveLength(1);
    const got = Array.from(a.channels[0]!);
    [0, 0.5, -0.5, -1].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
  });

  it('splits stereo into left (agent) and right (caller) channels', () => {
    const left = Float32Array.from({ length: 1600 }, () => 0.25);
    const right = Float32Array.from({ length: 1600 }, () => -0.75);
    const a = decodeWav(encodeWav([left, right]));
    expect(a.channels).toHaveLength(2);
    expect(a.channels[0]!.every((v) => Math.abs(v - 0.25) < 1e-4)).toBe(true);
    expect(a.channels[1]!.every((v) => Math.abs(v + 0.75) < 1e-4)).toBe(true);
    expect(a.durationMs).toBe(100);
  });

  it('skips unknown chunks before data (LIST)', () => {
    const pcm = encodeWav([Float32Array.from([0.5, 0.5])]);
    const list = Buffer.alloc(8 + 6);
    list.write('LIST', 0, 'ascii');
    list.writeUInt32LE(6, 4);
    const wav = Buffer.concat([pcm.subarray(0, 36), list, pcm.subarray(36)]);
    expect(decodeWav(wav).channels[0]).toHaveLength(2);
  });

  it.each([
    ['not RIFF', header({ riff: 'RIFX' }), /missing RIFF header/],
    ['not WAVE', header({ wave: 'AVI ' }), /not WAVE/],
    ['float samples', header({ format: 3, bits: 32, dataBytes: 8 }), /format 3 is not PCM/],
    ['8-bit', header({ bits: 8, dataBytes: 4 }), /8-bit samples, expected 16-bit/],
    ['44.1 kHz', header({ rate: 44100 }), /sample rate 44100 Hz, expected 16000 Hz/],
    ['3 channels', header({ channels: 3, dataBytes: 6 }), /3 channels, expected 1 or 2/],
    ['odd data length', header({ channels: 2, dataBytes: 6 }), /whole number of frames/],
    ['no samples', header({ dataBytes: 0 }), /no samples/],
    ['too short', Buffer.from('RIFF'), /too short/],
    [
      'random bytes',
      Buffer.from('this is not audio at all, just text that someone uploaded'),
      /missing RIFF/,
    ],
  ])('refuses %s with a clear, permanent error', (_name, buf, message) => {
    let err: unknown;
    try {
      decodeWav(buf);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WavError);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(message);
    expect((err as PermanentError).code).toBe('invalid_audio');
  });

  it('refuses a truncated data chunk', () => {
    const wav = encodeWav([new Float32Array(100)]);
    expect(() => decodeWav(wav.subarray(0, 100))).toThrow(/truncated data chunk/);
  });
});
