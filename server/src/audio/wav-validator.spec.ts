import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { httpErrorOf } from '../http/domain-errors';
import { HttpError } from '../http/errors';
import {
  maxBytesFor,
  validateWav,
  WavValidator,
  WavValidatorStream,
  type WavInfo,
  type WavValidatorOptions,
} from './wav-validator';

interface WavSpec {
  format?: number;
  channels?: number;
  sampleRate?: number;
  bits?: number;
  /** PCM bytes actually present. */
  dataBytes?: number;
  /** Size written in the data chunk header (defaults to dataBytes). */
  declaredData?: number;
  /** Size written in the RIFF header (defaults to the true size - 8). */
  riffSize?: number;
  /** Use WAVE_FORMAT_EXTENSIBLE with this sub-format code. */
  extensible?: number;
  /** Chunks placed between fmt and data. */
  before?: Array<[string, Buffer]>;
  /** Chunks placed after data. */
  after?: Array<[string, Buffer]>;
}

function chunk(id: string, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/** Build a WAV file; the PCM is a recognisable ramp so tests can find it. */
function makeWav(spec: WavSpec = {}): Buffer {
  const channels = spec.channels ?? 1;
  const rate = spec.sampleRate ?? 16000;
  const bits = spec.bits ?? 16;
  const block = (channels * bits) / 8;
  let fmt: Buffer;
  if (spec.extensible !== undefined) {
    fmt = Buffer.alloc(40);
    fmt.writeUInt16LE(0xfffe, 0);
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(bits, 18);
    fmt.writeUInt32LE(channels === 2 ? 3 : 4, 20);
    fmt.writeUInt16LE(spec.extensible, 24);
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(fmt, 26);
  } else {
    fmt = Buffer.alloc(16);
    fmt.writeUInt16LE(spec.format ?? 1, 0);
  }
  fmt.writeUInt16LE(channels, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE(rate * block, 8);
  fmt.writeUInt16LE(block, 12);
  fmt.writeUInt16LE(bits, 14);
  const dataBytes = spec.dataBytes ?? 3200;
  const pcm = Buffer.alloc(dataBytes);
  for (let i = 0; i < dataBytes; i++) pcm[i] = (i * 7) & 0xff;
  const dataHeader = Buffer.alloc(8);
  dataHeader.write('data', 0, 'latin1');
  dataHeader.writeUInt32LE(spec.declaredData ?? dataBytes, 4);
  const body = Buffer.concat([
    Buffer.from('WAVE', 'latin1'),
    chunk('fmt ', fmt),
    ...(spec.before ?? []).map(([id, b]) => chunk(id, b)),
    dataHeader,
    pcm,
    ...(spec.after ?? []).map(([id, b]) => chunk(id, b)),
  ]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(spec.riffSize ?? body.length, 4);
  return Buffer.concat([riff, body]);
}

function validate(buf: Buffer, options: WavValidatorOptions = {}, piece = 64 * 1024): WavInfo {
  const v = new WavValidator(options);
  for (let i = 0; i < buf.length; i += piece) v.push(buf.subarray(i, i + piece));
  return v.end();
}

/** A rejection as the HTTP edge answers it. */
const asHttp = (p: Promise<unknown>) =>
  p.catch((err: unknown) => {
    throw httpErrorOf(err) ?? err;
  });

function expectHttpError(fn: () => unknown, status: number, message: string | RegExp): HttpError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    // As the HTTP edge answers it (the validator's own error, mapped in one place).
    caught = httpErrorOf(err) ?? err;
  }
  expect(caught).toBeInstanceOf(HttpError);
  const e = caught as HttpError;
  expect({ status: e.status, message: e.message }).toEqual({
    status,
    message: typeof message === 'string' ? message : expect.stringMatching(message),
  });
  return e;
}

describe('WavValidator: good files', () => {
  it('accepts mono PCM s16le 16 kHz', () => {
    const info = validate(makeWav({ channels: 1, dataBytes: 32000 }));
    expect(info).toEqual({
      channels: 1,
      sampleRate: 16000,
      bitsPerSample: 16,
      dataBytes: 32000,
      durationMs: 1000,
      dataOffset: 44,
      totalBytes: 44 + 32000,
      unknownLength: false,
    });
  });

  it('accepts stereo, with LIST chunks before and after the data, and hashes on request', () => {
    const wav = makeWav({
      channels: 2,
      dataBytes: 64000 * 3,
      before: [['LIST', Buffer.from('INFOISFT\x05\x00\x00\x00test\x00', 'latin1')]],
      after: [['LIST', Buffer.alloc(7, 1)]],
    });
    const info = validate(wav, { hash: true }, 1000);
    expect(info.channels).toBe(2);
    expect(info.durationMs).toBe(3000);
    expect(info.dataOffset).toBe(44 + 8 + 18);
    expect(info.totalBytes).toBe(wav.length);
    expect(info.sha256).toBe(createHash('sha256').update(wav).digest('hex'));
  });

  it('accepts WAVE_FORMAT_EXTENSIBLE with the PCM sub-format', () => {
    const info = validate(makeWav({ extensible: 1, channels: 2, dataBytes: 400 }));
    expect(info).toMatchObject({ channels: 2, dataBytes: 400, dataOffset: 68 });
  });

  it('gives the same answer when fed one byte at a time, and at every split point', () => {
    const wav = makeWav({
      channels: 2,
      dataBytes: 40,
      before: [['JUNK', Buffer.alloc(5)]],
      after: [['LIST', Buffer.alloc(3)]],
    });
    const whole = validate(wav);
    expect(validate(wav, {}, 1)).toEqual(whole);
    for (let split = 0; split <= wav.length; split++) {
      const v = new WavValidator();
      v.push(wav.subarray(0, split));
      v.push(wav.subarray(split));
      expect(v.end()).toEqual(whole);
    }
  });

  it('works as a pass-through Transform', async () => {
    const wav = makeWav({ dataBytes: 100_000 });
    const out: Buffer[] = [];
    const v = new WavValidatorStream();
    await pipeline(
      Readable.from([wav.subarray(0, 10), wav.subarray(10, 5000), wav.subarray(5000)]),
      v,
      new Writable({
        write(c, _e, cb) {
          out.push(c);
          cb();
        },
      }),
    );
    expect(Buffer.concat(out).equals(wav)).toBe(true);
    expect(v.result?.dataBytes).toBe(100_000);
    await expect(validateWav(Readable.from([wav]))).resolves.toMatchObject({ dataBytes: 100_000 });
  });
});

describe('WavValidator: the corpus of bad files', () => {
  const cases: Array<[string, () => Buffer, number, string | RegExp, WavValidatorOptions?]> = [
    ['empty body', () => Buffer.alloc(0), 400, 'empty body: expected a WAV file'],
    [
      'truncated header',
      () => makeWav().subarray(0, 30),
      400,
      'truncated WAV header: the body ended after 30 bytes, before the data chunk',
    ],
    ['44100 Hz', () => makeWav({ sampleRate: 44100 }), 415, 'sample rate 44100 Hz, expected 16000'],
    ['8-bit', () => makeWav({ bits: 8 }), 415, '8-bit PCM, expected 16-bit'],
    ['24-bit', () => makeWav({ bits: 24, dataBytes: 300 }), 415, '24-bit PCM, expected 16-bit'],
    [
      'float PCM',
      () => makeWav({ format: 3, bits: 32 }),
      415,
      'IEEE float audio, expected PCM s16le',
    ],
    [
      'extensible float',
      () => makeWav({ extensible: 3, bits: 32 }),
      415,
      'IEEE float audio, expected PCM s16le',
    ],
    [
      'MP3 in WAV',
      () => makeWav({ format: 0x55 }),
      415,
      'WAVE format 0x0055 (MP3), expected PCM s16le',
    ],
    [
      '6 channels',
      () => makeWav({ channels: 6, dataBytes: 1200 }),
      415,
      '6 channels, expected 1 or 2',
    ],
    [
      'data chunk longer than the body',
      () => makeWav({ dataBytes: 1000, declaredData: 3200, riffSize: 36 + 3200 }),
      400,
      'data chunk declares 3200 bytes but the body ends after 1000 of them',
    ],
    [
      'not RIFF (Ogg)',
      () => Buffer.from('OggS\x00\x02' + 'x'.repeat(100), 'latin1'),
      415,
      'not a RIFF/WAVE file (starts with "OggS")',
    ],
    [
      'RIFF but not WAVE',
      () => Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00AVI ', 'latin1'), Buffer.alloc(12)]),
      415,
      'not a RIFF/WAVE file (RIFF form type "AVI ")',
    ],
    [
      '10 MB of random bytes',
      () =>
        Buffer.concat([Buffer.from([0x00, 0xff, 0x13, 0x37]), randomBytes(10 * 1024 * 1024 - 4)]),
      415,
      'not a RIFF/WAVE file (starts with 0x00ff1337)',
    ],
    [
      'a header declaring 4 GB',
      () => makeWav({ riffSize: 0xffffffff, declaredData: 0xffffffff - 36 }),
      413,
      /^RIFF header declares 4294967303 bytes, larger than the 922648576-byte limit \(4 h of stereo audio\)$/,
    ],
    [
      'a data chunk declaring 5 h with a placeholder RIFF size',
      () => makeWav({ riffSize: 0, declaredData: 5 * 3600 * 32000 }),
      413,
      'recording is 5 h long (576000000 bytes of audio), longer than the 4 h limit',
      { allowUnknownLength: true },
    ],
    [
      'data size 0 followed by audio (header never finalized)',
      () => makeWav({ declaredData: 0, riffSize: 36 }),
      400,
      'data chunk size is 0: the recording is empty, or its writer never finalized the WAV header',
    ],
    [
      'RIFF size disagreeing with the body',
      () => makeWav({ riffSize: 36 + 3200 + 100 }),
      400,
      'RIFF header declares 3344 bytes but the body is 3244 bytes',
    ],
    [
      'data size not a whole number of frames',
      () => makeWav({ channels: 2, dataBytes: 6 }),
      400,
      'data chunk size 6 is not a whole number of 4-byte frames',
    ],
    [
      'data before fmt',
      () => Buffer.from('RIFF\x24\x00\x00\x00WAVEdata\x04\x00\x00\x00\x00\x00\x00\x00', 'latin1'),
      400,
      'data chunk before the fmt chunk: the WAV header is malformed',
    ],
    [
      'block align lying',
      () => {
        const w = makeWav();
        w.writeUInt16LE(4, 32);
        return w;
      },
      400,
      'fmt chunk block align is 4, expected 2 for 1-channel 16-bit PCM',
    ],
    [
      'a huge LIST chunk',
      () => makeWav({ before: [['LIST', Buffer.alloc(10)]] }).fill(0xff, 40, 44),
      413,
      /^WAV chunk "LIST" is 4294967295 bytes, larger than the 1048576-byte limit for metadata$/,
    ],
  ];

  // Rest parameters: jest would take a fifth named parameter for a `done` callback.
  it.each(cases)('%s', (...row) => {
    const [, build, status, message, options] = row;
    const buf = build();
    expectHttpError(() => validate(buf, options), status, message);
    // Same verdict when fed one byte at a time (first 64 KiB: every case fails inside it or at end).
    if (buf.length < 64 * 1024) expectHttpError(() => validate(buf, options, 1), status, message);
  });

  it('refuses a 4 GB header at byte 8, before any audio is read', () => {
    const wav = makeWav({ riffSize: 0xfffffff0 });
    const v = new WavValidator();
    v.push(wav.subarray(0, 7));
    expectHttpError(() => v.push(wav.subarray(7, 8)), 413, /^RIFF header declares/);
    // Sticky: further input gets the same error.
    expectHttpError(() => v.push(Buffer.alloc(1)), 413, /^RIFF header declares/);
  });

  it('refuses random bytes after the first 4 bytes', () => {
    const v = new WavValidator();
    v.push(Buffer.from('MZ\x90', 'latin1'));
    expectHttpError(() => v.push(randomBytes(1024 * 1024)), 415, /^not a RIFF\/WAVE file/);
  });

  it('enforces the duration limit as data arrives when the length is unknown (413 mid-stream)', () => {
    const limitMs = 1000; // 32,000 bytes of mono
    const head = makeWav({ dataBytes: 0, declaredData: 0xffffffff, riffSize: 0xffffffff });
    const v = new WavValidator({ maxDurationMs: limitMs, allowUnknownLength: true });
    v.push(head);
    v.push(Buffer.alloc(32000));
    expectHttpError(
      () => v.push(Buffer.alloc(2)),
      413,
      'recording is 1.0 s long (32002 bytes of audio), longer than the 1.0 s limit',
    );
  });

  it('enforces maxBytes on the raw body as it arrives', () => {
    const v = new WavValidator({ maxBytes: 1000 });
    v.push(makeWav({ dataBytes: 900 }).subarray(0, 944));
    expectHttpError(
      () => v.push(Buffer.alloc(57)),
      413,
      /^upload is larger than the 1000-byte limit/,
    );
  });

  it('derives maxBytes from the duration: 4 h of stereo plus 1 MiB', () => {
    expect(maxBytesFor(4 * 3600 * 1000)).toBe(4 * 3600 * 64000 + 1024 * 1024);
  });

  it('accepts placeholder sizes only with allowUnknownLength, data running to the end', () => {
    const wav = makeWav({ dataBytes: 3200, declaredData: 0xffffffff, riffSize: 0xffffffff });
    expectHttpError(() => validate(wav), 413, /^RIFF header declares 4294967303 bytes/);
    expect(validate(wav, { allowUnknownLength: true })).toMatchObject({
      dataBytes: 3200,
      unknownLength: true,
      durationMs: 100,
    });
    const odd = wav.subarray(0, wav.length - 1);
    expectHttpError(
      () => validate(odd, { allowUnknownLength: true }),
      400,
      'data is 3199 bytes, not a whole number of 2-byte frames (truncated upload?)',
    );
  });

  it('errors the Transform with the HttpError and passes nothing after the bad bytes', async () => {
    const out: Buffer[] = [];
    const p = pipeline(
      Readable.from([makeWav({ sampleRate: 8000 })]),
      new WavValidatorStream(),
      new Writable({
        write(c, _e, cb) {
          out.push(c);
          cb();
        },
      }),
    );
    await expect(asHttp(p)).rejects.toMatchObject({
      status: 415,
      message: 'sample rate 8000 Hz, expected 16000',
    });
    expect(out).toHaveLength(0);
  });

  it('errors the Transform at end of stream for a short data chunk', async () => {
    let finished = false;
    const p = pipeline(
      Readable.from([makeWav({ dataBytes: 10, declaredData: 100, riffSize: 136 })]),
      new WavValidatorStream(),
      new Writable({
        write(_c, _e, cb) {
          cb();
        },
        final(cb) {
          finished = true;
          cb();
        },
      }),
    );
    await expect(asHttp(p)).rejects.toMatchObject({ status: 400 });
    expect(finished).toBe(false);
  });
});
