// The app icon: one SVG (packaging/icon.svg), rendered by packaging/render-icons.ts into the hicolor
// sizes electron-builder installs. Checks the committed PNGs are there, the size their names say,
// and RGBA (transparent corners).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../packaging/layout';
import { ICON_SIZES, renderIcons } from '../../packaging/render-icons';
import { decodeRgbaPng } from './png';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width, height and colour type from a PNG's IHDR chunk. */
function pngHeader(file: string): { width: number; height: number; colourType: number } {
  const bytes = readFileSync(file);
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE) || bytes.toString('latin1', 12, 16) !== 'IHDR') throw new Error(`${file} is not a PNG`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), colourType: bytes[25]! };
}

describe('app icon rendered from packaging/icon.svg', () => {
  it('the SVG is well-formed XML', () => {
    const result = spawnSync('xmllint', ['--noout', join(PROJECT_ROOT, 'packaging/icon.svg')], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(ICON_SIZES)('%i px: an RGBA PNG of that size, transparent in the corners and opaque in the middle', (size) => {
    const file = join(PROJECT_ROOT, 'packaging/icons', `${size}x${size}.png`);
    expect(pngHeader(file)).toEqual({ width: size, height: size, colourType: 6 });
    const { pixels } = decodeRgbaPng(file);
    const alpha = (x: number, y: number) => pixels[(y * size + x) * 4 + 3];
    expect([alpha(0, 0), alpha(size - 1, 0), alpha(0, size - 1), alpha(size - 1, size - 1)]).toEqual([0, 0, 0, 0]);
    expect(alpha(size >> 1, size >> 1)).toBe(255);
  });

  it('the committed PNGs are what packaging/render-icons.ts renders from icon.svg now (real Chromium, pixel comparison)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'headroom-icons-'));
    try {
      await renderIcons(join(PROJECT_ROOT, 'packaging/icon.svg'), out);
      for (const size of ICON_SIZES) {
        const committed = decodeRgbaPng(join(PROJECT_ROOT, 'packaging/icons', `${size}x${size}.png`));
        const fresh = decodeRgbaPng(join(out, `${size}x${size}.png`));
        expect(fresh.width).toBe(committed.width);
        let total = 0;
        for (let i = 0; i < fresh.pixels.length; i++) total += Math.abs(fresh.pixels[i]! - committed.pixels[i]!);
        // Anti-aliasing may differ by a step between Chromium builds; a changed drawing differs by far more.
        expect({ size, meanChannelDifference: total / fresh.pixels.length }).toEqual({ size, meanChannelDifference: expect.closeTo(0, 0) });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  it('covers the hicolor sizes from 16 to 512', () => {
    expect(ICON_SIZES).toEqual([16, 24, 32, 48, 64, 128, 256, 512]);
  });
});
