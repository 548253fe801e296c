// The app icon: one SVG (packaging/icon.svg), rendered by packaging/render-icons.ts into the hicolor
// sizes electron-builder installs. Checks the committed PNGs are there, the size their names say,
// and RGBA (transparent corners).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../packaging/layout';
import { ICON_SIZES } from '../../packaging/render-icons';

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

  it.each(ICON_SIZES)('%i px: an RGBA PNG of that size', (size) => {
    expect(pngHeader(join(PROJECT_ROOT, 'packaging/icons', `${size}x${size}.png`))).toEqual({ width: size, height: size, colourType: 6 });
  });

  it('covers the hicolor sizes from 16 to 512', () => {
    expect(ICON_SIZES).toEqual([16, 24, 32, 48, 64, 128, 256, 512]);
  });
});
