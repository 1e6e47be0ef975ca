import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HF_BASE_URL, MODELS } from '../src/models/catalog';
import { downloadModel, parseArgs, UsageError } from '../src/models/download';

describe('download-model arguments', () => {
  it('parses a catalog name with its pinned SHA-1', () => {
    const a = parseArgs(['large-v3-turbo', '--dir', '/models'], {});
    expect(a).toMatchObject({
      name: 'large-v3-turbo',
      dir: '/models',
      baseUrl: HF_BASE_URL,
      force: false,
    });
    expect(a.sha1).toBe(MODELS['large-v3-turbo']!.sha1);
  });
  it('accepts ggml-<name>.bin, MODELS_DIR, --sha1, --force, a mirror', () => {
    const a = parseArgs(
      ['ggml-base-q5_1.bin', '--sha1', 'A'.repeat(40), '--force', '--base-url', 'http://m/x/'],
      {
        MODELS_DIR: '/data/m',
      },
    );
    expect(a).toMatchObject({
      name: 'base-q5_1',
      dir: '/data/m',
      sha1: 'a'.repeat(40),
      force: true,
      baseUrl: 'http://m/x',
    });
  });
  it('leaves unknown names unverified', () => {
    expect(parseArgs(['small.en-tdrz'], {}).sha1).toBeUndefined();
  });
  it.each([
    [[], /model name missing/],
    [['tiny', 'base'], /one model name/],
    [['tiny', '--dir'], /--dir needs a value/],
    [['tiny', '--bogus'], /unknown option --bogus/],
    [['tiny', '--sha1', 'xyz'], /40 hex digits/],
    [['../etc/passwd'], /invalid model name/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv as string[], {})).toThrow(UsageError);
    expect(() => parseArgs(argv as string[], {})).toThrow(message);
  });
});

describe('download-model transfer (local HTTP server)', () => {
  const body = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
  const sha1 = createHash('sha1').update(body).digest('hex');
  let server: Server;
  let base: string;
  let dir: string;
  const sink = {
    text: '',
    write(s: string) {
      this.text += s;
    },
  };
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ggml-fake.bin')
        res.writeHead(200, { 'content-length': body.length }).end(body);
      else if (req.url === '/ggml-short.bin') {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 1000));
        res.destroy();
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cwn-models-'));
    sink.text = '';
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  afterAll(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  const args = (name: string, extra: object = {}) => ({
    name,
    dir,
    baseUrl: base,
    force: false,
    quiet: false,
    ...extra,
  });

  it('downloads, verifies the SHA-1, renames into place, prints both checksums', async () => {
    const r = await downloadModel(args('fake', { sha1 }), sink);
    expect(r).toMatchObject({
      path: join(dir, 'ggml-fake.bin'),
      bytes: body.length,
      sha1,
      verified: true,
      skipped: false,
    });
    expect(readFileSync(r.path).equals(body)).toBe(true);
    expect(readdirSync(dir)).toEqual(['ggml-fake.bin']);
    expect(sink.text).toContain(`sha1   ${sha1} (verified)`);
    expect(sink.text).toContain(`sha256 ${createHash('sha256').update(body).digest('hex')}`);
    expect(sink.text).toMatch(/100\.0%/);
  });

  it('computes and prints the checksum when none is known', async () => {
    const r = await downloadModel(args('fake'), sink);
    expect(r.verified).toBe(false);
    expect(sink.text).toContain('not verified');
  });

  it('keeps nothing on a checksum mismatch', async () => {
    await expect(downloadModel(args('fake', { sha1: '0'.repeat(40) }), sink)).rejects.toThrow(
      /checksum mismatch/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps nothing on a truncated transfer or HTTP error', async () => {
    await expect(downloadModel(args('short'), sink)).rejects.toThrow();
    await expect(downloadModel(args('missing'), sink)).rejects.toThrow(/HTTP 404/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('does not overwrite an existing model unless forced', async () => {
    writeFileSync(join(dir, 'ggml-fake.bin'), 'old');
    expect((await downloadModel(args('fake'), sink)).skipped).toBe(true);
    expect(readFileSync(join(dir, 'ggml-fake.bin'), 'utf8')).toBe('old');
    await downloadModel(args('fake', { force: true, sha1 }), sink);
    expect(readFileSync(join(dir, 'ggml-fake.bin')).length).toBe(body.length);
    expect(existsSync(join(dir, 'ggml-fake.bin.part'))).toBe(false);
  });
});
