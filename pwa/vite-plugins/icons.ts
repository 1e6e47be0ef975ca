import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Plugin } from 'vite';

/** Every size the manifest and the iOS/Android launchers ask for, drawn from one SVG. */
export const ICON_SIZES = [48, 72, 96, 128, 144, 152, 192, 256, 384, 512] as const;
export const MASKABLE_SIZES = [192, 512] as const;
export const APPLE_TOUCH_SIZE = 180;
export const THEME_COLOR = '#0b5cad';
export const BACKGROUND_COLOR = '#ffffff';

export const iconPath = (size: number) => `icons/icon-${size}.png`;
export const maskablePath = (size: number) => `icons/maskable-${size}.png`;
export const appleTouchPath = 'icons/apple-touch-icon.png';

export function manifestIcons() {
  return [
    ...ICON_SIZES.map((s) => ({
      src: iconPath(s),
      sizes: `${s}x${s}`,
      type: 'image/png',
      purpose: 'any',
    })),
    ...MASKABLE_SIZES.map((s) => ({
      src: maskablePath(s),
      sizes: `${s}x${s}`,
      type: 'image/png',
      purpose: 'maskable',
    })),
  ];
}

/**
 * Rasterises the SVG with sharp while Vite writes the bundle, so no PNG is kept in the repository.
 * Maskable icons get extra padding in the background colour (the safe zone is the central 80 %).
 */
export function iconsPlugin(svgPath: string): Plugin {
  return {
    name: 'cwn-icons',
    apply: 'build',
    async generateBundle() {
      const svg = await readFile(svgPath);
      const png = (size: number) =>
        sharp(svg, { density: 384 }).resize(size, size).png().toBuffer();
      const maskable = async (size: number) => {
        const inner = Math.round(size * 0.8);
        const drawing = await sharp(svg, { density: 384 }).resize(inner, inner).png().toBuffer();
        return sharp({
          create: { width: size, height: size, channels: 4, background: THEME_COLOR },
        })
          .composite([{ input: drawing, gravity: 'centre' }])
          .png()
          .toBuffer();
      };
      const files: Array<[string, Promise<Buffer>]> = [
        ...ICON_SIZES.map((s): [string, Promise<Buffer>] => [iconPath(s), png(s)]),
        ...MASKABLE_SIZES.map((s): [string, Promise<Buffer>] => [maskablePath(s), maskable(s)]),
        [appleTouchPath, png(APPLE_TOUCH_SIZE)],
        ['favicon.svg', Promise.resolve(svg)],
      ];
      for (const [fileName, source] of files)
        this.emitFile({ type: 'asset', fileName, source: await source });
    },
  };
}
