import type { Readable } from 'node:stream';
import sharp from 'sharp';

export const WAVEFORM_WIDTH = 1000;
export const WAVEFORM_ROW_HEIGHT = 80;
/** Row colours: agent (left channel), caller (right channel); RGB. */
const COLOURS: ReadonlyArray<readonly [number, number, number]> = [
  [56, 132, 255],
  [255, 140, 40],
];
const BACKGROUND = [24, 26, 31, 255] as const;
const MIDLINE = [70, 74, 84, 255] as const;

/**
 * Finds the `data` chunk of a WAV stream and yields its PCM, without holding more than the header
 * (the stored file was validated at upload, so the walk only has to be correct, not defensive).
 */
async function* pcmOf(wav: Readable): AsyncGenerator<{ pcm: Buffer; dataBytes: number }> {
  let head = Buffer.alloc(0);
  let pos = 12;
  let dataBytes = -1;
  for await (const piece of wav) {
    const chunk = piece as Buffer;
    if (dataBytes >= 0) {
      yield { pcm: chunk, dataBytes };
      continue;
    }
    head = Buffer.concat([head, chunk]);
    while (head.length >= pos + 8) {
      const id = head.toString('latin1', pos, pos + 4);
      const size = head.readUInt32LE(pos + 4);
      if (id === 'data') {
        dataBytes = size;
        const rest = head.subarray(pos + 8);
        head = Buffer.alloc(0);
        if (rest.length) yield { pcm: rest, dataBytes };
        break;
      }
      pos += 8 + size + (size & 1);
    }
  }
}

/**
 * A PNG of the recording's waveform: one row per channel (agent on top, caller below), each
 * column the min..max of its slice of samples. Constant memory: the audio streams through.
 */
export async function renderWaveform(wav: Readable, channels: 1 | 2): Promise<Buffer> {
  const width = WAVEFORM_WIDTH;
  const rowH = WAVEFORM_ROW_HEIGHT;
  const mins = Array.from({ length: channels }, () => new Int16Array(width));
  const maxs = Array.from({ length: channels }, () => new Int16Array(width));
  const frameBytes = 2 * channels;
  let frame = 0;
  let framesPerColumn = 1;
  let carry: Buffer = Buffer.alloc(0);
  for await (const { pcm, dataBytes } of pcmOf(wav)) {
    framesPerColumn = Math.max(1, Math.ceil(dataBytes / frameBytes / width));
    const buf = carry.length ? Buffer.concat([carry, pcm]) : pcm;
    const whole = buf.length - (buf.length % frameBytes);
    for (let off = 0; off < whole; off += frameBytes) {
      const col = Math.min(width - 1, Math.floor(frame / framesPerColumn));
      for (let c = 0; c < channels; c++) {
        const v = buf.readInt16LE(off + 2 * c);
        if (v < mins[c]![col]!) mins[c]![col] = v;
        if (v > maxs[c]![col]!) maxs[c]![col] = v;
      }
      frame++;
    }
    carry = buf.subarray(whole);
  }

  const height = rowH * channels;
  const img = Buffer.alloc(width * height * 4);
  const put = (x: number, y: number, rgba: readonly number[]) => {
    const i = (y * width + x) * 4;
    img[i] = rgba[0]!;
    img[i + 1] = rgba[1]!;
    img[i + 2] = rgba[2]!;
    img[i + 3] = rgba[3]!;
  };
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) put(x, y, BACKGROUND);
  for (let c = 0; c < channels; c++) {
    const top = c * rowH;
    const mid = top + rowH / 2;
    const colour = [...COLOURS[c]!, 255];
    for (let x = 0; x < width; x++) {
      put(x, Math.floor(mid), MIDLINE);
      const lo = Math.round(mid - (maxs[c]![x]! / 32768) * (rowH / 2 - 1));
      const hi = Math.round(mid - (mins[c]![x]! / 32768) * (rowH / 2 - 1));
      for (let y = Math.max(top, lo); y <= Math.min(top + rowH - 1, hi); y++) put(x, y, colour);
    }
  }
  return sharp(img, { raw: { width, height, channels: 4 } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}
