import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { REQUIRED_SAMPLE_RATE } from '@cwn/protocol';
import { AudioValidationError } from './errors';

/**
 * Streaming validator for the only audio the server accepts: RIFF/WAVE, PCM signed 16-bit
 * little-endian, 16000 Hz, mono or stereo.
 *
 * It is a push parser: feed it the body chunk by chunk (`push`), then call `end()`. It keeps only
 * the header bytes it still needs (a few hundred bytes at most), never the audio, so memory is
 * constant whatever the upload size. Every failure is an `AudioValidationError` (its HTTP status
 * is chosen at the edge, http/domain-errors):
 *  - `unsupported` (415) for audio of the wrong kind (not RIFF/WAVE, not PCM, wrong bit depth, rate or channels);
 *  - `malformed` (400) for a malformed or truncated file (short header, sizes that disagree with the body, empty);
 *  - `too_large` (413) as soon as the body, or a size declared in a header, exceeds the limits. A header that
 *    declares 4 GB fails at byte 8, not after 4 GB have been read.
 *
 * Size placeholders: a writer that streams a WAV without seeking back leaves the RIFF and `data`
 * sizes at 0 or 0xFFFFFFFF. By default these are rejected (0xFFFFFFFF declares 4 GiB, so 413; a
 * `data` size 0 followed by audio is 400 "header not finalized"), because the extension uploads
 * finished files whose header it can patch. With `allowUnknownLength: true` both values mean "the
 * data runs to the end of the body", the limits are then enforced on the bytes as they arrive.
 *
 * Hashing: off by default, because `EncryptedAudioStore.put` already returns the sha256 of the
 * plaintext it stores (the same bytes). Pass `hash: true` to get `sha256` in the result.
 */

export const BYTES_PER_SAMPLE = 2;
/** Four hours, the issue's default recording limit. */
export const DEFAULT_MAX_DURATION_MS = 4 * 60 * 60 * 1000;
/** Header and metadata allowance added to the audio bytes when deriving `maxBytes`. */
export const HEADER_ALLOWANCE_BYTES = 1024 * 1024;
/** A single non-audio chunk (LIST, bext, ...) larger than this is refused (413). */
export const DEFAULT_MAX_METADATA_CHUNK_BYTES = 1024 * 1024;

export interface WavValidatorOptions {
  /** Longest recording accepted, in ms (default 4 h). */
  maxDurationMs?: number;
  /**
   * Largest body accepted, in bytes. Default: `maxDurationMs` of stereo audio plus 1 MiB for headers
   * and metadata (4 h → 922,648,576 bytes).
   */
  maxBytes?: number;
  /** Largest single chunk other than `data` (default 1 MiB). */
  maxMetadataChunkBytes?: number;
  /** Accept RIFF/data sizes 0 and 0xFFFFFFFF as "runs to the end of the body" (default false). */
  allowUnknownLength?: boolean;
  /** Compute the sha256 of every byte fed (default false). */
  hash?: boolean;
}

export interface WavInfo {
  channels: 1 | 2;
  sampleRate: number;
  bitsPerSample: 16;
  /** Bytes of PCM in the data chunk. */
  dataBytes: number;
  durationMs: number;
  /** Offset of the first PCM byte in the file. */
  dataOffset: number;
  /** Every byte received, headers and trailing chunks included. */
  totalBytes: number;
  /** True when the sizes were placeholders and the data ran to the end of the body. */
  unknownLength: boolean;
  /** Hex sha256 of every byte received, when `hash: true`. */
  sha256?: string;
}

/** Bytes of stereo s16 16 kHz audio for `ms` milliseconds. */
export function pcmBytesFor(ms: number, channels: number): number {
  return Math.floor((ms * REQUIRED_SAMPLE_RATE) / 1000) * channels * BYTES_PER_SAMPLE;
}

/** The default `maxBytes` for a duration limit. */
export function maxBytesFor(maxDurationMs: number): number {
  return pcmBytesFor(maxDurationMs, 2) + HEADER_ALLOWANCE_BYTES;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const FORMAT_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'µ-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MP3',
};
/** KSDATAFORMAT_SUBTYPE_* GUIDs share this tail after the 2-byte format code and 2 zero bytes. */
const SUBFORMAT_GUID_TAIL = Buffer.from('000000001000800000aa00389b71', 'hex');
const UNKNOWN_SIZE = 0xffffffff;
const MAX_FMT_BYTES = 1024;

type State = 'riff' | 'chunkHeader' | 'fmt' | 'skip' | 'data' | 'trailer' | 'done' | 'failed';

const fmtSize = (n: number) => `${n} byte${n === 1 ? '' : 's'}`;
function describeDuration(ms: number): string {
  const totalMin = Math.floor(ms / 60000);
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (totalMin > 0) return `${totalMin} min`;
  return `${(ms / 1000).toFixed(1)} s`;
}
function printable(b: Buffer): string {
  return [...b].every((c) => c >= 0x20 && c < 0x7f)
    ? `"${b.toString('latin1')}"`
    : `0x${b.toString('hex')}`;
}

export class WavValidator {
  private readonly maxDurationMs: number;
  private readonly maxBytes: number;
  private readonly maxMetadataChunkBytes: number;
  private readonly allowUnknownLength: boolean;
  private readonly hash: Hash | undefined;

  private state: State = 'riff';
  /** Header bytes gathered while a header or fmt chunk straddles chunk boundaries. */
  private pending: Buffer = Buffer.alloc(0);
  private total = 0;
  /** Declared end of the RIFF chunk (riff size + 8), or undefined when unknown. */
  private riffEnd: number | undefined;
  private chunkId = '';
  private chunkSize = 0;
  /** Bytes still to skip or read in the current chunk (plus its pad byte). */
  private remaining = 0;
  private fmt: { channels: 1 | 2; blockAlign: number } | undefined;
  private dataOffset = -1;
  private dataBytes = 0;
  /** Declared data size, or undefined when it runs to the end of the body. */
  private dataDeclared: number | undefined;
  private maxDataBytes = 0;
  private error: AudioValidationError | undefined;
  /** Absolute offset of the first byte of the chunk being consumed. */
  private feedBase = 0;

  constructor(options: WavValidatorOptions = {}) {
    this.maxDurationMs = options.maxDurationMs ?? DEFAULT_MAX_DURATION_MS;
    if (!(this.maxDurationMs > 0)) throw new Error('maxDurationMs must be positive');
    this.maxBytes = options.maxBytes ?? maxBytesFor(this.maxDurationMs);
    this.maxMetadataChunkBytes = options.maxMetadataChunkBytes ?? DEFAULT_MAX_METADATA_CHUNK_BYTES;
    this.allowUnknownLength = options.allowUnknownLength ?? false;
    this.hash = options.hash ? createHash('sha256') : undefined;
  }

  /** Bytes fed so far. */
  get bytesReceived(): number {
    return this.total;
  }

  /** Feed the next bytes of the body. Throws an `AudioValidationError` as soon as the body is known bad. */
  push(chunk: Buffer): void {
    if (this.error) throw this.error;
    if (this.state === 'done') throw new Error('WavValidator: push after end');
    try {
      this.total += chunk.length;
      if (this.total > this.maxBytes) {
        throw AudioValidationError.tooLarge(
          `upload is larger than the ${this.maxBytes}-byte limit (${describeDuration(this.maxDurationMs)} of stereo audio)`,
        );
      }
      this.hash?.update(chunk);
      this.consume(chunk);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Call once the body has ended: checks the sizes against what arrived and returns the format. */
  end(): WavInfo {
    if (this.error) throw this.error;
    try {
      return this.finish();
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): never {
    this.state = 'failed';
    this.error =
      err instanceof AudioValidationError
        ? err
        : AudioValidationError.malformed(String((err as Error)?.message ?? err));
    throw this.error;
  }

  private consume(chunk: Buffer): void {
    this.feedBase = this.total - chunk.length;
    let off = 0;
    while (off < chunk.length) {
      switch (this.state) {
        case 'riff': {
          off = this.gather(chunk, off, 12);
          if (
            this.pending.length >= 4 &&
            this.pending.subarray(0, 4).toString('latin1') !== 'RIFF'
          ) {
            const magic = this.pending.subarray(0, 4);
            if (magic.toString('latin1') === 'RF64') {
              throw AudioValidationError.unsupported(
                'RF64 WAV is not supported, expected a RIFF/WAVE file',
              );
            }
            throw AudioValidationError.unsupported(
              `not a RIFF/WAVE file (starts with ${printable(magic)})`,
            );
          }
          if (this.pending.length >= 8) this.checkRiffSize(this.pending.readUInt32LE(4));
          if (this.pending.length < 12) return;
          const form = this.pending.subarray(8, 12);
          if (form.toString('latin1') !== 'WAVE') {
            throw AudioValidationError.unsupported(
              `not a RIFF/WAVE file (RIFF form type ${printable(form)})`,
            );
          }
          this.pending = Buffer.alloc(0);
          this.state = 'chunkHeader';
          break;
        }
        case 'chunkHeader': {
          off = this.gather(chunk, off, 8);
          if (this.pending.length < 8) return;
          this.startChunk(this.pending, this.feedBase + off);
          this.pending = Buffer.alloc(0);
          break;
        }
        case 'fmt': {
          off = this.gather(chunk, off, this.remaining);
          if (this.pending.length < this.remaining) return;
          this.parseFmt(this.pending.subarray(0, this.chunkSize));
          this.pending = Buffer.alloc(0);
          this.state = 'chunkHeader';
          break;
        }
        case 'skip':
        case 'trailer': {
          const n = Math.min(this.remaining, chunk.length - off);
          this.remaining -= n;
          off += n;
          if (this.remaining === 0) this.state = 'chunkHeader';
          break;
        }
        case 'data': {
          const available = chunk.length - off;
          if (this.dataDeclared === undefined) {
            this.dataBytes += available;
            if (this.dataBytes > this.maxDataBytes) this.tooLong(this.dataBytes);
            return;
          }
          const n = Math.min(this.remaining, available);
          this.remaining -= n;
          this.dataBytes += n;
          off += n;
          if (this.remaining === 0) this.state = 'chunkHeader';
          break;
        }
        default:
          throw new Error(`WavValidator: unexpected state ${this.state}`);
      }
    }
  }

  /** Copy bytes into `pending` until it holds `want` bytes; returns the new offset into `chunk`. */
  private gather(chunk: Buffer, off: number, want: number): number {
    const n = Math.min(want - this.pending.length, chunk.length - off);
    if (n <= 0) return off;
    this.pending = Buffer.concat([this.pending, chunk.subarray(off, off + n)]);
    return off + n;
  }

  private checkRiffSize(size: number): void {
    if (this.riffEnd !== undefined) return;
    if ((size === 0 || size === UNKNOWN_SIZE) && this.allowUnknownLength) return;
    if (size < 4)
      throw AudioValidationError.malformed(
        `RIFF header declares ${fmtSize(size)}, too small for a WAVE file`,
      );
    const end = size + 8;
    if (end > this.maxBytes) {
      throw AudioValidationError.tooLarge(
        `RIFF header declares ${end} bytes, larger than the ${this.maxBytes}-byte limit (${describeDuration(this.maxDurationMs)} of stereo audio)`,
      );
    }
    this.riffEnd = end;
  }

  /** `end` is the absolute offset just past this chunk's 8-byte header. */
  private startChunk(header: Buffer, end: number): void {
    const id = header.subarray(0, 4);
    this.chunkId = id.toString('latin1');
    this.chunkSize = header.readUInt32LE(4);
    if (this.dataOffset >= 0 && this.dataDeclared !== undefined) {
      // A chunk after the audio (LIST written at the end by some recorders): skip it.
      this.enterSkip('trailer');
      return;
    }
    if (this.chunkId === 'fmt ') {
      if (this.fmt) throw AudioValidationError.malformed('two fmt chunks in one WAV file');
      if (this.chunkSize < 16)
        throw AudioValidationError.malformed(
          `fmt chunk is ${fmtSize(this.chunkSize)}, expected at least 16`,
        );
      if (this.chunkSize > MAX_FMT_BYTES) {
        throw AudioValidationError.malformed(
          `fmt chunk is ${fmtSize(this.chunkSize)}, expected at most ${MAX_FMT_BYTES}`,
        );
      }
      this.remaining = this.chunkSize + (this.chunkSize & 1);
      this.state = 'fmt';
      return;
    }
    if (this.chunkId === 'data') {
      if (!this.fmt)
        throw AudioValidationError.malformed(
          'data chunk before the fmt chunk: the WAV header is malformed',
        );
      this.dataOffset = end;
      const frame = this.fmt.blockAlign;
      this.maxDataBytes = pcmBytesFor(this.maxDurationMs, this.fmt.channels);
      const placeholder = this.chunkSize === 0 || this.chunkSize === UNKNOWN_SIZE;
      if (placeholder && this.allowUnknownLength) {
        this.dataDeclared = undefined;
        this.state = 'data';
        return;
      }
      if (this.chunkSize === 0) {
        throw AudioValidationError.malformed(
          'data chunk size is 0: the recording is empty, or its writer never finalized the WAV header',
        );
      }
      if (this.chunkSize > this.maxDataBytes) this.tooLong(this.chunkSize);
      if (this.chunkSize % frame !== 0) {
        throw AudioValidationError.malformed(
          `data chunk size ${this.chunkSize} is not a whole number of ${frame}-byte frames`,
        );
      }
      if (this.riffEnd !== undefined && this.dataOffset + this.chunkSize > this.riffEnd) {
        throw AudioValidationError.malformed(
          `data chunk declares ${this.chunkSize} bytes, past the end of the RIFF chunk (${this.riffEnd} bytes)`,
        );
      }
      this.dataDeclared = this.chunkSize;
      this.remaining = this.chunkSize;
      this.state = 'data';
      return;
    }
    // Any other chunk before the audio (LIST, fact, bext, JUNK, ...): skip its body.
    this.enterSkip('skip');
  }

  private enterSkip(state: 'skip' | 'trailer'): void {
    if (this.chunkSize > this.maxMetadataChunkBytes) {
      throw AudioValidationError.tooLarge(
        `WAV chunk "${this.chunkId.replace(/[^\x20-\x7e]/g, '?')}" is ${this.chunkSize} bytes, larger than the ${this.maxMetadataChunkBytes}-byte limit for metadata`,
      );
    }
    this.remaining = this.chunkSize + (this.chunkSize & 1);
    this.state = this.remaining === 0 ? 'chunkHeader' : state;
  }

  private parseFmt(b: Buffer): void {
    let format = b.readUInt16LE(0);
    const channels = b.readUInt16LE(2);
    const sampleRate = b.readUInt32LE(4);
    const byteRate = b.readUInt32LE(8);
    const blockAlign = b.readUInt16LE(12);
    const bits = b.readUInt16LE(14);
    if (format === WAVE_FORMAT_EXTENSIBLE) {
      if (b.length < 40)
        throw AudioValidationError.malformed(
          `WAVE_FORMAT_EXTENSIBLE fmt chunk is ${b.length} bytes, expected 40`,
        );
      const validBits = b.readUInt16LE(18);
      const guid = b.subarray(24, 40);
      if (!guid.subarray(2).equals(SUBFORMAT_GUID_TAIL)) {
        throw AudioValidationError.unsupported(
          'WAVE_FORMAT_EXTENSIBLE with an unknown sub-format, expected PCM s16le',
        );
      }
      format = guid.readUInt16LE(0);
      if (format === WAVE_FORMAT_PCM && validBits !== 0 && validBits !== bits) {
        throw AudioValidationError.unsupported(
          `${validBits}-bit PCM in ${bits}-bit containers, expected 16-bit`,
        );
      }
    }
    if (format === WAVE_FORMAT_IEEE_FLOAT) {
      throw AudioValidationError.unsupported('IEEE float audio, expected PCM s16le');
    }
    if (format !== WAVE_FORMAT_PCM) {
      const name = FORMAT_NAMES[format];
      const hex = `0x${format.toString(16).padStart(4, '0')}`;
      throw AudioValidationError.unsupported(
        `WAVE format ${hex}${name ? ` (${name})` : ''}, expected PCM s16le`,
      );
    }
    if (bits !== 16) throw AudioValidationError.unsupported(`${bits}-bit PCM, expected 16-bit`);
    if (channels !== 1 && channels !== 2) {
      throw AudioValidationError.unsupported(`${channels} channels, expected 1 or 2`);
    }
    if (sampleRate !== REQUIRED_SAMPLE_RATE) {
      throw AudioValidationError.unsupported(
        `sample rate ${sampleRate} Hz, expected ${REQUIRED_SAMPLE_RATE}`,
      );
    }
    const frame = channels * BYTES_PER_SAMPLE;
    if (blockAlign !== frame) {
      throw AudioValidationError.malformed(
        `fmt chunk block align is ${blockAlign}, expected ${frame} for ${channels}-channel 16-bit PCM`,
      );
    }
    if (byteRate !== sampleRate * frame) {
      throw AudioValidationError.malformed(
        `fmt chunk byte rate is ${byteRate}, expected ${sampleRate * frame}`,
      );
    }
    this.fmt = { channels, blockAlign };
  }

  private tooLong(dataBytes: number): never {
    const frame = this.fmt!.blockAlign;
    const ms = Math.floor((dataBytes / frame / REQUIRED_SAMPLE_RATE) * 1000);
    throw AudioValidationError.tooLarge(
      `recording is ${describeDuration(ms)} long (${dataBytes} bytes of audio), longer than the ${describeDuration(this.maxDurationMs)} limit`,
    );
  }

  private finish(): WavInfo {
    if (this.total === 0) throw AudioValidationError.malformed('empty body: expected a WAV file');
    if (this.dataOffset < 0) {
      if (
        this.riffEnd !== undefined &&
        this.total >= this.riffEnd &&
        this.state === 'chunkHeader' &&
        this.pending.length === 0
      ) {
        throw AudioValidationError.malformed('the WAV file has no data chunk');
      }
      throw AudioValidationError.malformed(
        `truncated WAV header: the body ended after ${this.total} bytes, before the data chunk`,
      );
    }
    const fmt = this.fmt!;
    if (this.dataDeclared === undefined) {
      // Unknown length: the data ran to the end of the body.
      if (this.dataBytes % fmt.blockAlign !== 0) {
        throw AudioValidationError.malformed(
          `data is ${this.dataBytes} bytes, not a whole number of ${fmt.blockAlign}-byte frames (truncated upload?)`,
        );
      }
    } else {
      if (this.dataBytes < this.dataDeclared) {
        throw AudioValidationError.malformed(
          `data chunk declares ${this.dataDeclared} bytes but the body ends after ${this.dataBytes} of them`,
        );
      }
      if (this.state !== 'chunkHeader' || this.pending.length > 0) {
        throw AudioValidationError.malformed(
          `the body ends inside a ${this.state === 'chunkHeader' ? 'chunk header' : `"${this.chunkId}" chunk`} after the audio`,
        );
      }
      if (this.riffEnd !== undefined && this.riffEnd !== this.total) {
        throw AudioValidationError.malformed(
          `RIFF header declares ${this.riffEnd} bytes but the body is ${this.total} bytes`,
        );
      }
    }
    if (this.dataBytes === 0)
      throw AudioValidationError.malformed('the data chunk is empty: the recording has no audio');
    this.state = 'done';
    const info: WavInfo = {
      channels: fmt.channels,
      sampleRate: REQUIRED_SAMPLE_RATE,
      bitsPerSample: 16,
      dataBytes: this.dataBytes,
      durationMs: Math.floor((this.dataBytes / fmt.blockAlign / REQUIRED_SAMPLE_RATE) * 1000),
      dataOffset: this.dataOffset,
      totalBytes: this.total,
      unknownLength: this.dataDeclared === undefined,
    };
    if (this.hash) info.sha256 = this.hash.digest('hex');
    return info;
  }
}

/**
 * The validator as a pass-through Transform: bytes flow on unchanged once they have been checked,
 * so it sits between the request and the store (`pipeline(req, validator, sink)` or
 * `EncryptedAudioStore.put(id, req, { through: [validator] })`). A bad body errors the stream with
 * the `AudioValidationError` before the offending bytes are passed on; the end-of-body checks run in `_flush`,
 * so a downstream store sees the end of its input only when the whole file was valid.
 * `result` is set (and `'wav'` emitted) once the body has ended and passed.
 */
export class WavValidatorStream extends Transform {
  readonly validator: WavValidator;
  result: WavInfo | undefined;

  constructor(options: WavValidatorOptions = {}) {
    super();
    this.validator = new WavValidator(options);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.validator.push(chunk);
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.result = this.validator.end();
    } catch (err) {
      cb(err as Error);
      return;
    }
    this.emit('wav', this.result);
    cb();
  }
}

/** Validate a whole body from any async iterable of Buffers (a request, a file stream). */
export async function validateWav(
  source: AsyncIterable<Buffer | Uint8Array>,
  options: WavValidatorOptions = {},
): Promise<WavInfo> {
  const v = new WavValidator(options);
  for await (const chunk of source) v.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return v.end();
}
