/** The committed tray icons are exactly what app/assets/make-tray-icons.cjs makes, and are real PNGs. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const ASSETS = resolve(__dirname, '..', '..', 'app', 'assets');
const generator = require(join(ASSETS, 'make-tray-icons.cjs')) as {
  writeTrayIcons(dir: string): string[];
  LEVELS: Record<string, [number, number, number]>;
  SIZE: number;
};

/** Decode our own simple PNGs (8-bit RGBA, filter 0 on every row) into rows of RGBA bytes. */
function decode(png: Buffer): { width: number; height: number; pixel(x: number, y: number): number[] } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8, 13)]).toEqual([8, 6, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (1 + width * 4));
  return {
    width,
    height,
    pixel: (x, y) => {
      const row = y * (1 + width * 4);
      expect(raw[row]).toBe(0);
      return [...raw.subarray(row + 1 + x * 4, row + 1 + x * 4 + 4)];
    },
  };
}

describe('tray icons', () => {
  it('regenerating them gives the committed bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-icons-'));
    try {
      const written = generator.writeTrayIcons(dir);
      expect(written.map((f) => f.slice(dir.length + 1))).toEqual(['tray-calm.png', 'tray-some.png', 'tray-full.png']);
      for (const name of ['tray-calm.png', 'tray-some.png', 'tray-full.png']) {
        expect(readFileSync(join(dir, name)).equals(readFileSync(join(ASSETS, name)))).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('each is a disc of its level colour on a transparent square', () => {
    for (const [level, rgb] of Object.entries(generator.LEVELS)) {
      const png = decode(readFileSync(join(ASSETS, `tray-${level}.png`)));
      expect([png.width, png.height]).toEqual([generator.SIZE, generator.SIZE]);
      const middle = generator.SIZE / 2;
      expect(png.pixel(middle, middle)).toEqual([...rgb, 255]);
      expect(png.pixel(0, 0)[3]).toBe(0);
    }
    // Three different colours, so the levels can be told apart.
    expect(new Set(Object.values(generator.LEVELS).map((c) => c.join())).size).toBe(3);
  });
});
