#!/usr/bin/env node
// Fails when a Markdown file of the repository links to a file or folder that does not exist
// (relative links only; web addresses are not fetched), or when a source file names a Markdown
// file of the repository by its path (as docs/OPERATIONS.md) that does not exist. Run by `npm test`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'],
  {
    cwd: root,
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter((f) => f && existsSync(join(root, f)));

// [text](target "title") and reference definitions `[id]: target`; code spans and blocks are skipped.
const INLINE = /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const DEFINITION = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm;

const broken = [];
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8')
    .replace(/^(```|~~~)[\s\S]*?^\1/gm, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/`[^`\n]*`/g, (m) => ' '.repeat(m.length));
  for (const re of [INLINE, DEFINITION]) {
    for (const m of text.matchAll(re)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
      const path = decodeURIComponent(target.split('#')[0].split('?')[0]);
      if (!path) continue;
      const abs = path.startsWith('/')
        ? join(root, path)
        : resolve(dirname(join(root, file)), path);
      if (!existsSync(abs)) {
        const line = text.slice(0, m.index).split('\n').length;
        broken.push(`${file}:${line}: ${target}`);
      }
    }
  }
}
// Sources that cite a document by its path from the repository root.
const PACKAGES = 'docs|protocol|server|worker-gpu|extension|pwa|nuxt-dashboard|scripts|e2e';
const CITED = new RegExp(`(?<![\\w./-])((?:${PACKAGES})/[\\w./-]*\\.md)\\b`, 'g');
const sources = execFileSync(
  'git',
  [
    'ls-files',
    '--cached',
    '--others',
    '--exclude-standard',
    '*.ts',
    '*.mjs',
    '*.js',
    '*.vue',
    '*.sh',
  ],
  { cwd: root, encoding: 'utf8' },
)
  .split('\n')
  .filter((f) => f && existsSync(join(root, f)));
for (const file of sources) {
  const text = readFileSync(join(root, file), 'utf8');
  for (const m of text.matchAll(CITED)) {
    if (!existsSync(join(root, m[1])))
      broken.push(`${file}:${text.slice(0, m.index).split('\n').length}: ${m[1]}`);
  }
}

if (broken.length) {
  console.error(`links to files that do not exist:\n  ${broken.join('\n  ')}`);
  process.exit(1);
}
