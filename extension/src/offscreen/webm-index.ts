/**
 * Where a recorder's WebM stream can be cut (docs/decisions/0502-extension-live-streaming.md,
 * amendment "way A on a window"): the page's MediaRecorder writes one EBML header, one Segment of
 * unknown size, and a Cluster about every second, each holding Opus packets in SimpleBlocks.
 * The header followed by the stream from any Cluster on is a WebM that ffmpeg decodes; its first
 * sample is the whole stream's sample `samples48` (the Opus packets before that Cluster, counted
 * from their TOC bytes), and after a few hundred ms of warm-up it decodes to the same samples as
 * the whole stream (measured: bit-identical after ≤ 170 ms). So a live batch decodes the last
 * seconds instead of the call so far. Pure, so it is unit-tested; the stream arrives in chunks,
 * and the index is extended as more of them are stored.
 */

/** A Cluster's start: in chunk `seq` at byte `offset`, after `samples48` decoded samples. */
export interface ClusterMark {
  seq: number;
  offset: number;
  samples48: number;
}

export interface WebmIndex {
  /** The bytes before the first Cluster (EBML header, Segment head, Info, Tracks). */
  header: Uint8Array | null;
  /** The Clusters found so far, in order; parsing resumes at the last one. */
  clusters: ClusterMark[];
}

const CLUSTER = 0x1f43b675;
const SEGMENT = 0x18538067;
const SIMPLE_BLOCK = 0xa3;
const BLOCK_GROUP = 0xa0;
const BLOCK = 0xa1;

/** An EBML variable-length integer at `at`: its value and length, or null if cut off. */
function vint(
  buf: Uint8Array,
  at: number,
  keepMarker: boolean,
): { value: number; length: number; unknown: boolean } | null {
  if (at >= buf.length) return null;
  const first = buf[at]!;
  let length = 1;
  let mask = 0x80;
  while (length <= 8 && !(first & mask)) {
    length++;
    mask >>= 1;
  }
  if (length > 8) throw new Error(`not an EBML integer at ${at}`);
  if (at + length > buf.length) return null;
  let value = keepMarker ? first : first & (mask - 1);
  let allOnes = (first & (mask - 1)) === mask - 1;
  for (let i = 1; i < length; i++) {
    const b = buf[at + i]!;
    if (b !== 0xff) allOnes = false;
    value = value * 256 + b;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

/** Samples (at 48 kHz) in one Opus packet, from its TOC byte (RFC 6716 §3.1). */
export function opusPacketSamples(packet: Uint8Array): number {
  if (packet.length === 0) return 0;
  const toc = packet[0]!;
  const config = toc >> 3;
  let frame: number;
  if (config < 12) frame = [480, 960, 1920, 2880][config & 3]!;
  else if (config < 16) frame = [480, 960][config & 1]!;
  else frame = [120, 240, 480, 960][config & 3]!;
  const code = toc & 3;
  const frames = code === 0 ? 1 : code < 3 ? 2 : (packet[1] ?? 0) & 0x3f;
  return frame * frames;
}

/** The Opus samples of a (Simple)Block's body: track number, 16-bit timecode, flags, packet. */
function blockSamples(buf: Uint8Array, body: number, size: number): number {
  const track = vint(buf, body, false);
  if (!track) throw new Error('cut block');
  const flags = buf[body + track.length + 2]!;
  if (flags & 0x06) throw new Error('laced blocks are not indexed');
  const start = body + track.length + 3;
  return opusPacketSamples(buf.subarray(start, body + size));
}

/**
 * Extends `index` with the Clusters in `buf`, the chunks `seqs` laid end to end (chunk i starts
 * at `starts[i]`). `buf` must start at the chunk of the index's last Cluster (or at chunk 0 for an
 * empty index). Stops at the first element cut off by the end of what is stored.
 */
export function extendIndex(
  index: WebmIndex,
  buf: Uint8Array,
  seqs: readonly number[],
  starts: readonly number[],
): WebmIndex {
  const clusters = [...index.clusters];
  let header = index.header;
  const posOf = (mark: ClusterMark): number => {
    const i = seqs.indexOf(mark.seq);
    if (i < 0) throw new Error(`chunk ${mark.seq} is not loaded`);
    return starts[i]! + mark.offset;
  };
  const markAt = (pos: number, samples48: number): ClusterMark => {
    let i = starts.length - 1;
    while (i > 0 && starts[i]! > pos) i--;
    return { seq: seqs[i]!, offset: pos - starts[i]!, samples48 };
  };
  let pos: number;
  let samples = 0;
  const last = clusters.at(-1);
  if (last) {
    pos = posOf(last);
    samples = last.samples48;
  } else pos = 0;
  let inCluster = false;
  for (;;) {
    const id = vint(buf, pos, true);
    if (!id) break;
    const size = vint(buf, pos + id.length, false);
    if (!size) break;
    const body = pos + id.length + size.length;
    if (id.value === CLUSTER) {
      if (!header) header = buf.slice(0, pos);
      if (!last || pos !== posOf(last) || inCluster) {
        const mark = markAt(pos, samples);
        const prev = clusters.at(-1);
        if (!prev || prev.seq !== mark.seq || prev.offset !== mark.offset) clusters.push(mark);
      }
      inCluster = true;
      pos = body;
      continue;
    }
    if (id.value === SEGMENT) {
      pos = body;
      continue;
    }
    if (size.unknown) throw new Error(`element ${id.value.toString(16)} of unknown size`);
    if (body + size.value > buf.length) break;
    if (inCluster && id.value === SIMPLE_BLOCK) samples += blockSamples(buf, body, size.value);
    else if (inCluster && id.value === BLOCK_GROUP) {
      for (let at = body; at < body + size.value;) {
        const cid = vint(buf, at, true)!;
        const csize = vint(buf, at + cid.length, false)!;
        const cbody = at + cid.length + csize.length;
        if (cid.value === BLOCK) samples += blockSamples(buf, cbody, csize.value);
        at = cbody + csize.value;
      }
    }
    pos = body + size.value;
  }
  return { header, clusters };
}

/** The last Cluster whose first sample is at or before `samples48` (the first one if none is). */
export function clusterBefore(index: WebmIndex, samples48: number): ClusterMark | null {
  let best: ClusterMark | null = null;
  for (const mark of index.clusters) {
    if (mark.samples48 <= samples48 || !best) best = mark;
    else break;
  }
  return best;
}
