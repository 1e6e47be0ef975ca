/**
 * The shared design tokens (@cwn/design, used by this extension's pages and by the PWA) keep
 * their promise: every ink colour readable (WCAG AA, 4.5:1) on the backgrounds it is used on, in
 * the light and the dark scheme, and form controls' outlines at 3:1.
 */
import { readFileSync } from 'node:fs';

const css = readFileSync(require.resolve('@cwn/design/tokens.css'), 'utf8');

function tokens(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of block.matchAll(/--cwn-([a-z0-9-]+):\s*(#[0-9a-f]{6});/gi)) out[m[1]!] = m[2]!;
  return out;
}

const light = tokens(css.slice(0, css.indexOf('@media')));
const dark = { ...light, ...tokens(css.slice(css.indexOf('@media (prefers-color-scheme: dark)'))) };

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const INKS = [
  'ink',
  'muted',
  'brand',
  'danger',
  'error',
  'success',
  'speaker-agent',
  'speaker-caller',
  'speaker-unknown',
];

describe.each([
  ['light', light],
  ['dark', dark],
])('the %s scheme', (_name, t) => {
  it('has every token the apps use', () => {
    for (const key of [...INKS, 'bg', 'surface', 'surface-raised', 'border-strong', 'mark'])
      expect([key, t[key]]).toEqual([key, expect.stringMatching(/^#/)]);
  });

  it.each(INKS)('%s is readable on the background and the surfaces', (ink) => {
    for (const bg of ['bg', 'surface', 'surface-raised'])
      expect(contrast(t[ink]!, t[bg]!)).toBeGreaterThanOrEqual(4.5);
  });

  it('keeps text on coloured fills readable and control outlines visible', () => {
    expect(contrast(t['brand-ink']!, t.brand!)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(t['danger-ink']!, t.danger!)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(t['warn-ink']!, t['warn-bg']!)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(t.ink!, t.mark!)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(t['border-strong']!, t.bg!)).toBeGreaterThanOrEqual(3);
  });
});
