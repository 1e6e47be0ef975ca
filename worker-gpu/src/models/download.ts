/**
 * Downloads a ggml model: stream to `<dest>.part`, hash while writing (SHA-1 to check against the
 * catalog, SHA-256 printed), fsync, then rename into place, so a half-written file never carries
 * the model's name. A checksum mismatch deletes the partial file.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { HF_BASE_URL, MODELS, modelFileName } from './catalog';

export interface DownloadArgs {
  name: string;
  dir: string;
  baseUrl: string;
  /** Expected SHA-1 (overrides the catalog); undefined = none known. */
  sha1?: string;
  force: boolean;
  quiet: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `usage: download-model <name> [--dir DIR] [--base-url URL] [--sha1 HEX] [--force] [--quiet]
  name: ${Object.keys(MODELS).join(', ')}
        (other names of the whisper.cpp repository work too; their checksum is printed, not checked)
  --dir       models folder (default: $MODELS_DIR or ./models)
  --base-url  mirror serving ggml-<name>.bin (default: ${HF_BASE_URL})
  --sha1      expected SHA-1, overrides the built-in table
  --force     download even if the file exists`;

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): DownloadArgs {
  const out: Partial<DownloadArgs> = { force: false, quiet: false };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--dir') out.dir = value();
    else if (a === '--base-url') out.baseUrl = value();
    else if (a === '--sha1') out.sha1 = value().toLowerCase();
    else if (a === '--force') out.force = true;
    else if (a === '--quiet') out.quiet = true;
    else if (a === '--help' || a === '-h') throw new UsageError(USAGE);
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else rest.push(a);
  }
  if (rest.length !== 1)
    throw new UsageError(
      rest.length ? `one model name, got ${rest.join(' ')}` : 'model name missing',
    );
  const name = rest[0]!.replace(/^ggml-/, '').replace(/\.bin$/, '');
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new UsageError(`invalid model name "${rest[0]}"`);
  if (out.sha1 !== undefined && !/^[0-9a-f]{40}$/.test(out.sha1))
    throw new UsageError('--sha1 must be 40 hex digits');
  return {
    name,
    dir: resolve(out.dir ?? env.MODELS_DIR ?? './models'),
    baseUrl: (out.baseUrl ?? HF_BASE_URL).replace(/\/+$/, ''),
    sha1: out.sha1 ?? MODELS[name]?.sha1,
    force: out.force ?? false,
    quiet: out.quiet ?? false,
  };
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha1: string;
  sha256: string;
  /** true when the SHA-1 was checked against a known value */
  verified: boolean;
  skipped: boolean;
}

function bar(done: number, total: number | null, startedAt: number): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const secs = Math.max(0.001, (Date.now() - startedAt) / 1000);
  const speed = `${mb(done / secs)} MB/s`;
  if (!total) return `${mb(done)} MB  ${speed}`;
  const width = 30;
  const frac = Math.min(1, done / total);
  const fill = Math.round(frac * width);
  return `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(1).padStart(5)}%  ${mb(done)}/${mb(total)} MB  ${speed}`;
}

export async function downloadModel(
  args: DownloadArgs,
  out: { write: (s: string) => unknown } = process.stderr,
): Promise<DownloadResult> {
  const file = modelFileName(args.name);
  const dest = join(args.dir, file);
  if (!args.force) {
    const st = await stat(dest).catch(() => null);
    if (st?.isFile()) {
      if (!args.quiet) out.write(`${dest} already exists (use --force to download again)\n`);
      return { path: dest, bytes: st.size, sha1: '', sha256: '', verified: false, skipped: true };
    }
  }
  await mkdir(dirname(dest), { recursive: true });
  const url = `${args.baseUrl}/${file}`;
  const res = await fetch(url, { redirect: 'follow' });
  if (!res.ok || !res.body) throw new Error(`download failed: HTTP ${res.status} for ${url}`);
  const total = Number(res.headers.get('content-length')) || null;
  const tmp = `${dest}.part`;
  const sha1 = createHash('sha1');
  const sha256 = createHash('sha256');
  const startedAt = Date.now();
  let bytes = 0;
  let lastDraw = 0;
  const ws = createWriteStream(tmp);
  const tty = 'isTTY' in out && (out as { isTTY?: boolean }).isTTY;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      sha1.update(chunk);
      sha256.update(chunk);
      bytes += chunk.length;
      if (!ws.write(chunk)) await new Promise<void>((r) => ws.once('drain', () => r()));
      if (!args.quiet && Date.now() - lastDraw > (tty ? 200 : 5000)) {
        lastDraw = Date.now();
        out.write(`${tty ? '\r' : ''}${file} ${bar(bytes, total, startedAt)}${tty ? '' : '\n'}`);
      }
    }
    await new Promise<void>((res2, rej) =>
      ws.end((err?: Error | null) => (err ? rej(err) : res2())),
    );
    if (total !== null && bytes !== total)
      throw new Error(`download truncated: ${bytes} of ${total} bytes`);
    const hex1 = sha1.digest('hex');
    const hex256 = sha256.digest('hex');
    if (args.sha1 && hex1 !== args.sha1) {
      throw new Error(`checksum mismatch for ${file}: SHA-1 ${hex1}, expected ${args.sha1}`);
    }
    await rename(tmp, dest);
    if (!args.quiet) {
      out.write(`${tty ? '\r' : ''}${file} ${bar(bytes, bytes, startedAt)}\n`);
      out.write(
        `${dest}\n  sha1   ${hex1} ${args.sha1 ? '(verified)' : '(no known checksum: not verified)'}\n  sha256 ${hex256}\n`,
      );
    }
    return { path: dest, bytes, sha1: hex1, sha256: hex256, verified: !!args.sha1, skipped: false };
  } catch (err) {
    ws.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function downloadCli(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    await downloadModel(args);
    return 0;
  } catch (err) {
    console.error((err as Error).message);
    return err instanceof UsageError ? 2 : 1;
  }
}
