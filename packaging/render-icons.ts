/**
 * Render packaging/icon.svg to the hicolor PNG sizes in packaging/icons/<N>x<N>.png (the layout
 * electron-builder's linux.icon directory expects) with Debian's Chromium, headless, through
 * playwright-core. Run after editing the SVG: `npx tsx packaging/render-icons.ts`; commit the PNGs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** The hicolor sizes we ship. */
export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512] as const;

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Render `svgPath` at every size in ICON_SIZES into `outDir`; returns the files written. */
export async function renderIcons(svgPath: string, outDir: string): Promise<string[]> {
  const svg = readFileSync(svgPath).toString('base64');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  const written: string[] = [];
  try {
    for (const size of ICON_SIZES) {
      const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
      await page.setContent(`<html><body style="margin:0;background:transparent"><img id="icon" width="${size}" height="${size}" src="data:image/svg+xml;base64,${svg}"></body></html>`);
      // A string, because this file is compiled for Node (no DOM types); it runs in the page.
      await page.waitForFunction('document.getElementById("icon").complete');
      const file = join(outDir, `${size}x${size}.png`);
      writeFileSync(file, await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }));
      written.push(file);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return written;
}

if (require.main === module) {
  const here = __dirname;
  renderIcons(join(here, 'icon.svg'), join(here, 'icons')).then(
    (files) => process.stdout.write(`rendered ${files.length} icons: ${files.map((f) => f.split('/').pop()).join(' ')}\n`),
    (err: unknown) => {
      process.stderr.write(`render-icons: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
