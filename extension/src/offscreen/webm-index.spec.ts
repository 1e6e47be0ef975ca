import { execFileSync } from 'node:child_process';
import { clusterBefore, extendIndex, opusPacketSamples, type WebmIndex } from './webm-index';

/**
 * A WebM as the page's MediaRecorder writes it (Opus in 60-ms packets, a Cluster about every
 * second, no Cues), made by the real ffmpeg; decoded by it too.
 */
function opusWebm(seconds: number): Uint8Array {
  return new Uint8Array(
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `sine=f=440:d=${seconds}:r=48000,volume=0.5`,
      '-c:a',
      'libopus',
      '-frame_duration',
      '60',
      '-live',
      '1',
      '-cluster_time_limit',
      '1000',
      '-f',
      'webm',
      '-',
    ]),
  );
}

function decode16k(webm: Uint8Array): Int16Array {
  const out = execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      '-',
      '-af',
      'aresample=16000,aformat=sample_fmts=s16:channel_layouts=mono',
      '-f',
      's16le',
      '-',
    ],
    { input: webm, maxBuffer: 64 << 20 },
  );
  return new Int16Array(out.buffer, out.byteOffset, out.byteLength / 2);
}

/** The stream cut into chunks of `size` bytes, as the recorder's 1-s slices arrive. */
function chunked(webm: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < webm.length; at += size) out.push(webm.slice(at, at + size));
  return out;
}

/** Indexes the chunks as the producer does: each time from the chunk of the last Cluster on. */
function indexIncrementally(chunks: Uint8Array[], step: number): WebmIndex {
  let index: WebmIndex = { header: null, clusters: [] };
  for (let have = step; have < chunks.length + step; have += step) {
    const from = index.clusters.at(-1)?.seq ?? 0;
    const parts = chunks.slice(from, Math.min(have, chunks.length));
    const starts: number[] = [];
    let n = 0;
    for (const p of parts) {
      starts.push(n);
      n += p.length;
    }
    const buf = new Uint8Array(n);
    parts.forEach((p, i) => buf.set(p, starts[i]!));
    index = extendIndex(
      index,
      buf,
      parts.map((_, i) => from + i),
      starts,
    );
  }
  return index;
}

describe('the WebM index of a live batch', () => {
  const webm = opusWebm(12);
  const whole = decode16k(webm);

  it('counts Opus samples from the TOC byte', () => {
    expect(opusPacketSamples(Uint8Array.of(0xf8))).toBe(960); // CELT FB 20 ms, one frame
    expect(opusPacketSamples(Uint8Array.of(0xfb, 0x03))).toBe(2880); // three 20-ms frames
    expect(opusPacketSamples(Uint8Array.of(0x09))).toBe(1920); // SILK NB, two 20-ms frames
  });

  it('finds the same Clusters however the stream is cut and however often it is read', () => {
    const once = extendIndex({ header: null, clusters: [] }, webm, [0], [0]);
    expect(once.clusters.length).toBeGreaterThanOrEqual(10);
    expect(once.clusters[0]!.samples48).toBe(0);
    const byChunks = indexIncrementally(chunked(webm, 1500), 3);
    expect(byChunks.header).toEqual(once.header);
    const absolute = (idx: WebmIndex, size: number) =>
      idx.clusters.map((c) => ({ at: c.seq * size + c.offset, samples48: c.samples48 }));
    expect(absolute(byChunks, 1500)).toEqual(absolute(once, webm.length));
  });

  it('decodes a window from a Cluster to the whole stream samples after the warm-up', () => {
    const index = extendIndex({ header: null, clusters: [] }, webm, [0], [0]);
    for (const k of [3, 7]) {
      const mark = clusterBefore(index, index.clusters[k]!.samples48 + 100)!;
      expect(mark).toEqual(index.clusters[k]);
      const win = decode16k(new Uint8Array([...index.header!, ...webm.subarray(mark.offset)]));
      // An encoder's pre-skip is dropped at the start of both decodes: the window's first
      // sample is the whole stream's samples48 / 3 (16 kHz).
      const at = mark.samples48 / 3;
      const settled = 4000; // 250 ms
      let worst = 0;
      for (let i = settled; i < settled + 8000; i++)
        worst = Math.max(worst, Math.abs(win[i]! - whole[at + i]!));
      // Bit-identical on the page's recordings; within 1 LSB on libopus's own.
      expect(worst).toBeLessThanOrEqual(1);
      const shifted = Math.abs(win[settled + 5]! - whole[at + settled]!);
      expect(shifted).toBeGreaterThan(1);
      expect(at + win.length).toBe(whole.length);
    }
  });

  it('gives the first Cluster for a sample before every Cluster', () => {
    const index = extendIndex({ header: null, clusters: [] }, webm, [0], [0]);
    expect(clusterBefore(index, 0)).toEqual(index.clusters[0]);
    expect(clusterBefore({ header: null, clusters: [] }, 0)).toBeNull();
  });
});
