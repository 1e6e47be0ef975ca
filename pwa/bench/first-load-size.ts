// Prints what a phone downloads to open the app, gzip-compressed, against the 200 KB budget and
// against Vue's own runtime (measured in the same run) as a baseline: `npm run bench -w pwa`
// after `npm run build -w pwa`.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FIRST_LOAD_JS_BUDGET_BYTES, measureAssets } from './first-load';

const dist = resolve(__dirname, '../dist');
const kb = (n: number) => (n / 1024).toFixed(1);
const assets = measureAssets(dist);
const vueRuntime = gzipSync(
  readFileSync(join(require.resolve('vue'), '../dist/vue.runtime.esm-browser.prod.js')),
  { level: 9 },
).length;

console.log('| asset | first load | raw KB | gzip KB |');
console.log('|---|---|---:|---:|');
for (const a of assets.sort(
  (x, y) => Number(y.firstLoad) - Number(x.firstLoad) || y.gzipBytes - x.gzipBytes,
)) {
  console.log(
    `| ${a.file} | ${a.firstLoad ? 'yes' : 'lazy'} | ${kb(a.bytes)} | ${kb(a.gzipBytes)} |`,
  );
}
const firstJs = assets
  .filter((a) => a.firstLoad && a.kind === 'js')
  .reduce((s, a) => s + a.gzipBytes, 0);
const firstCss = assets
  .filter((a) => a.firstLoad && a.kind === 'css')
  .reduce((s, a) => s + a.gzipBytes, 0);
console.log('');
console.log('| measure | gzip KB | ratio |');
console.log('|---|---:|---:|');
console.log(
  `| first-load JavaScript | ${kb(firstJs)} | ${(firstJs / FIRST_LOAD_JS_BUDGET_BYTES).toFixed(2)} of the 200 KB budget |`,
);
console.log(
  `| baseline: Vue runtime alone | ${kb(vueRuntime)} | app = ${(firstJs / vueRuntime).toFixed(2)} × Vue |`,
);
console.log(`| first-load CSS | ${kb(firstCss)} | |`);
