import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const FIRST_LOAD_JS_BUDGET_BYTES = 200 * 1024;

export interface AssetSize {
  file: string;
  kind: 'js' | 'css';
  firstLoad: boolean;
  bytes: number;
  gzipBytes: number;
}

/** The assets index.html pulls in before anything renders (entry script, preloads, styles). */
function firstLoadFiles(dist: string): Set<string> {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const refs = [
    ...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="\/?([^"]+\.(?:js|css))"/g),
  ].map((m) => m[1]!);
  return new Set(refs);
}

export function measureAssets(dist: string): AssetSize[] {
  const first = firstLoadFiles(dist);
  return readdirSync(join(dist, 'assets'))
    .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
    .map((name) => {
      const file = `assets/${name}`;
      const body = readFileSync(join(dist, file));
      return {
        file,
        kind: name.endsWith('.js') ? ('js' as const) : ('css' as const),
        firstLoad: first.has(file),
        bytes: body.length,
        gzipBytes: gzipSync(body, { level: 9 }).length,
      };
    });
}

export function firstLoadJsGzip(dist: string): number {
  return measureAssets(dist)
    .filter((a) => a.firstLoad && a.kind === 'js')
    .reduce((sum, a) => sum + a.gzipBytes, 0);
}
