/**
 * A small whisper.cpp model (legacy ggml file) with seeded random weights, for tests and benches
 * on machines without a model hub. Its text is meaningless; it exists to run the real loading,
 * encoding, decoding, timestamp, progress and abort paths.
 *
 * File layout (what whisper.cpp's loader reads, in order):
 *   u32 magic 'ggml' (0x67676d6c)
 *   i32 × 11 hyper-parameters: n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer,
 *        n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype (1 = f16)
 *   mel filters: i32 n_mel, i32 n_fft, n_mel × n_fft f32
 *   vocabulary: i32 count, then per token u32 byte length + bytes (the loader adds the special
 *        tokens past the count itself)
 *   tensors until end of file: i32 n_dims, i32 name length, i32 type (0 f32, 1 f16),
 *        n_dims × i32 extents (innermost first), name bytes, raw data (no padding)
 *
 * Shaping the weights so that decoding emits text and timestamps (random weights alone pick
 * end-of-text at once, giving an empty transcript):
 *   - the decoder blocks' output projections are tiny, so the residual stream at the last layer is
 *     essentially token embedding + positional embedding;
 *   - the final layer norm has weight 0 on dimension 0 and bias `A` there, so every hidden state
 *     has a constant component `A` along dimension 0 and a varying part elsewhere;
 *   - the (tied) token embedding's dimension 0 sets each token's constant attractiveness:
 *     end-of-text and no-speech get a large negative value (never chosen, no-speech probability
 *     ≈ 0), timestamps get a value tuned so that a timestamp wins every few text tokens, and
 *     slowly decreasing with time so that the next timestamp tends to be close to the last one.
 */
import { mkdirSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface TestModelOptions {
  seed: number;
  nState: number;
  nHead: number;
  nAudioLayer: number;
  nTextLayer: number;
  nAudioCtx: number;
  nTextCtx: number;
  /** Constant hidden-state component along dimension 0. */
  anchor: number;
  /** Scale of the varying part of the text tokens' logits. */
  textSpread: number;
  /** Attractiveness of timestamps (dimension-0 value of their embeddings). */
  timestampBias: number;
  /** Per-timestamp-step decrease of that attractiveness. */
  timestampSlope: number;
  /** Scale of the varying part of the timestamps' logits. */
  timestampSpread: number;
  /** Scale of the decoder MLP's output projection (mixes token and position). */
  mixing: number;
}

export const DEFAULT_TEST_MODEL: TestModelOptions = {
  seed: 20240601,
  nState: 64,
  nHead: 2,
  nAudioLayer: 1,
  nTextLayer: 1,
  nAudioCtx: 1500,
  nTextCtx: 448,
  anchor: 4,
  textSpread: 1.0,
  timestampBias: 7.5,
  timestampSlope: 0.0005,
  timestampSpread: 0.01,
  mixing: 1,
};

const N_VOCAB = 51865; // multilingual: the loader adds language, task and timestamp tokens
const N_BASE_TOKENS = 50257;
const N_MELS = 80;
const N_FFT_BINS = 201; // 400-point FFT, 16 kHz
const SAMPLE_RATE = 16000;
const TOKEN_EOT = 50257;
const TOKEN_NOSP = 50362;
const TOKEN_BEG = 50364;

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
/** IEEE 754 binary32 → binary16 (round to nearest even, flush tiny values to zero). */
export function toHalf(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  if ((half & 0x7fff) >= 0x7c00) {
    e = 0x1f;
    return sign | 0x7c00;
  }
  return sign | half;
}

/** Triangular mel filters (HTK mel scale), n_mel × n_fft, row-major. */
function melFilters(): Float32Array {
  const hzToMel = (f: number) => 2595 * Math.log10(1 + f / 700);
  const melToHz = (m: number) => 700 * (10 ** (m / 2595) - 1);
  const out = new Float32Array(N_MELS * N_FFT_BINS);
  const lo = hzToMel(0);
  const hi = hzToMel(SAMPLE_RATE / 2);
  const points: number[] = [];
  for (let i = 0; i < N_MELS + 2; i++) points.push(melToHz(lo + ((hi - lo) * i) / (N_MELS + 1)));
  for (let m = 0; m < N_MELS; m++) {
    const [f0, f1, f2] = [points[m]!, points[m + 1]!, points[m + 2]!];
    for (let k = 0; k < N_FFT_BINS; k++) {
      const f = (k * SAMPLE_RATE) / 400;
      let w = 0;
      if (f > f0 && f <= f1) w = (f - f0) / (f1 - f0);
      else if (f > f1 && f < f2) w = (f2 - f) / (f2 - f1);
      out[m * N_FFT_BINS + k] = (w * 2) / (f2 - f0);
    }
  }
  return out;
}

/** Pronounceable made-up tokens; the first 256 are the single bytes (whisper.cpp needs " "). */
function vocabulary(rand: () => number): Buffer[] {
  const consonants = 'bdfgklmnprstvz';
  const vowels = 'aeiou';
  const tokens: Buffer[] = [];
  for (let i = 0; i < 256; i++) tokens.push(Buffer.from([i]));
  while (tokens.length < N_BASE_TOKENS) {
    const syllables = 1 + Math.floor(rand() * 2);
    let word = rand() < 0.7 ? ' ' : '';
    for (let s = 0; s < syllables; s++) {
      word += consonants[Math.floor(rand() * consonants.length)]!;
      word += vowels[Math.floor(rand() * vowels.length)]!;
    }
    tokens.push(Buffer.from(word, 'utf8'));
  }
  return tokens;
}

type Tensor = { name: string; ne: number[]; f16: boolean; data: Float32Array };

export function generateTestModel(options: Partial<TestModelOptions> = {}): Buffer {
  const o = { ...DEFAULT_TEST_MODEL, ...options };
  const rand = rng(o.seed);
  const normal = gaussian(rand);
  const D = o.nState;
  const tensors: Tensor[] = [];
  const add = (name: string, ne: number[], f16: boolean, fill: (i: number) => number) => {
    const n = ne.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = fill(i);
    tensors.push({ name, ne, f16, data });
  };
  const noise = (std: number) => () => normal() * std;
  const constant = (v: number) => () => v;
  const wStd = 1 / Math.sqrt(D);

  // encoder
  add('encoder.positional_embedding', [D, o.nAudioCtx], false, noise(0.1));
  add('encoder.conv1.weight', [3, N_MELS, D], true, noise(1 / Math.sqrt(3 * N_MELS)));
  add('encoder.conv1.bias', [1, D], false, constant(0));
  add('encoder.conv2.weight', [3, D, D], true, noise(1 / Math.sqrt(3 * D)));
  add('encoder.conv2.bias', [1, D], false, constant(0));
  for (let l = 0; l < o.nAudioLayer; l++) {
    const p = `encoder.blocks.${l}`;
    add(`${p}.mlp_ln.weight`, [D], false, constant(1));
    add(`${p}.mlp_ln.bias`, [D], false, constant(0));
    add(`${p}.mlp.0.weight`, [D, 4 * D], true, noise(wStd));
    add(`${p}.mlp.0.bias`, [4 * D], false, constant(0));
    add(`${p}.mlp.2.weight`, [4 * D, D], true, noise(wStd / 2));
    add(`${p}.mlp.2.bias`, [D], false, constant(0));
    add(`${p}.attn_ln.weight`, [D], false, constant(1));
    add(`${p}.attn_ln.bias`, [D], false, constant(0));
    add(`${p}.attn.query.weight`, [D, D], true, noise(wStd));
    add(`${p}.attn.query.bias`, [D], false, constant(0));
    add(`${p}.attn.key.weight`, [D, D], true, noise(wStd));
    add(`${p}.attn.value.weight`, [D, D], true, noise(wStd));
    add(`${p}.attn.value.bias`, [D], false, constant(0));
    add(`${p}.attn.out.weight`, [D, D], true, noise(wStd));
    add(`${p}.attn.out.bias`, [D], false, constant(0));
  }
  add('encoder.ln_post.weight', [D], false, constant(1));
  add('encoder.ln_post.bias', [D], false, constant(0));

  // decoder: positional embedding varies the hidden state from step to step
  add('decoder.positional_embedding', [D, o.nTextCtx], false, (i) => (i % D === 0 ? 0 : normal()));
  // token embedding (tied with the output projection): row t = token t
  const te = new Float32Array(N_VOCAB * D);
  for (let t = 0; t < N_VOCAB; t++) {
    let dim0: number;
    let spread: number;
    if (t === TOKEN_EOT || t === TOKEN_NOSP) {
      dim0 = -50;
      spread = 0;
    } else if (t > TOKEN_BEG) {
      dim0 = o.timestampBias - o.timestampSlope * (t - TOKEN_BEG);
      spread = o.timestampSpread;
    } else if (t >= TOKEN_EOT) {
      dim0 = 0;
      spread = o.textSpread;
    } else {
      dim0 = 0;
      spread = o.textSpread;
    }
    te[t * D] = dim0;
    for (let d = 1; d < D; d++) te[t * D + d] = normal() * spread;
  }
  tensors.push({ name: 'decoder.token_embedding.weight', ne: [D, N_VOCAB], f16: true, data: te });
  // final layer norm: dimension 0 is the constant anchor, the others carry the varying part
  add('decoder.ln.weight', [D], false, (i) => (i === 0 ? 0 : 1));
  add('decoder.ln.bias', [D], false, (i) => (i === 0 ? o.anchor : 0));
  for (let l = 0; l < o.nTextLayer; l++) {
    const p = `decoder.blocks.${l}`;
    for (const part of ['attn', 'cross_attn']) {
      add(`${p}.${part}_ln.weight`, [D], false, constant(1));
      add(`${p}.${part}_ln.bias`, [D], false, constant(0));
      add(`${p}.${part}.query.weight`, [D, D], true, noise(wStd));
      add(`${p}.${part}.query.bias`, [D], false, constant(0));
      add(`${p}.${part}.key.weight`, [D, D], true, noise(wStd));
      add(`${p}.${part}.value.weight`, [D, D], true, noise(wStd));
      add(`${p}.${part}.value.bias`, [D], false, constant(0));
      add(`${p}.${part}.out.weight`, [D, D], true, noise(0.01));
      add(`${p}.${part}.out.bias`, [D], false, constant(0));
    }
    add(`${p}.mlp_ln.weight`, [D], false, constant(1));
    add(`${p}.mlp_ln.bias`, [D], false, constant(0));
    add(`${p}.mlp.0.weight`, [D, 4 * D], true, noise(wStd));
    add(`${p}.mlp.0.bias`, [4 * D], false, constant(0));
    // a strong MLP: its random output dominates the residual stream, so the hidden state is not
    // aligned with the input token's own (tied) embedding, which would make the model repeat it
    add(`${p}.mlp.2.weight`, [4 * D, D], true, noise(o.mixing));
    add(`${p}.mlp.2.bias`, [D], false, constant(0));
  }

  // serialise
  const parts: Buffer[] = [];
  const header = Buffer.alloc(4 + 11 * 4);
  header.writeUInt32LE(0x67676d6c, 0);
  [
    N_VOCAB,
    o.nAudioCtx,
    D,
    o.nHead,
    o.nAudioLayer,
    o.nTextCtx,
    D,
    o.nHead,
    o.nTextLayer,
    N_MELS,
    1,
  ].forEach((v, i) => header.writeInt32LE(v, 4 + i * 4));
  parts.push(header);
  const filters = melFilters();
  const fh = Buffer.alloc(8);
  fh.writeInt32LE(N_MELS, 0);
  fh.writeInt32LE(N_FFT_BINS, 4);
  parts.push(fh, Buffer.from(filters.buffer, filters.byteOffset, filters.byteLength));
  const vocab = vocabulary(rand);
  const vh = Buffer.alloc(4);
  vh.writeInt32LE(vocab.length, 0);
  parts.push(vh);
  for (const token of vocab) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(token.length, 0);
    parts.push(len, token);
  }
  for (const t of tensors) {
    const name = Buffer.from(t.name, 'utf8');
    const th = Buffer.alloc(12 + 4 * t.ne.length);
    th.writeInt32LE(t.ne.length, 0);
    th.writeInt32LE(name.length, 4);
    th.writeInt32LE(t.f16 ? 1 : 0, 8);
    t.ne.forEach((n, i) => th.writeInt32LE(n, 12 + 4 * i));
    parts.push(th, name);
    if (t.f16) {
      const half = new Uint16Array(t.data.length);
      for (let i = 0; i < t.data.length; i++) half[i] = toHalf(t.data[i]!);
      parts.push(Buffer.from(half.buffer));
    } else {
      parts.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  }
  return Buffer.concat(parts);
}

/** Writes the test model to `path` unless it is already there (atomic: temp file + rename). */
export function ensureTestModel(path: string, options: Partial<TestModelOptions> = {}): string {
  if (existsSync(path)) return path;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, generateTestModel(options));
  renameSync(tmp, path);
  return path;
}
