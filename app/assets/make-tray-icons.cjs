#!/usr/bin/env node
// Writes the three tray icons (tray-calm.png, tray-some.png, tray-full.png) next to this script:
// a filled disc in the level's colour on a transparent 32×32 canvas, encoded as PNG with node:zlib.
// Generated from code so the icons are reproducible and nothing is downloaded. Run it after changing
// a colour: `node app/assets/make-tray-icons.cjs [outDir]`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const SIZE = 32;
/** Colours readable on light and dark panels: green, amber, red. */
const LEVELS = { calm: [46, 158, 91], some: [224, 161, 0], full: [217, 60, 60] };

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** The PNG bytes of a disc of colour `rgb`, anti-aliased at the edge by pixel coverage. */
function discPng(rgb) {
  const rows = [];
  const r = SIZE / 2 - 2;
  for (let y = 0; y < SIZE; y++) {
    const row = Buffer.alloc(1 + SIZE * 4); // filter byte 0, then RGBA
    for (let x = 0; x < SIZE; x++) {
      const d = Math.hypot(x + 0.5 - SIZE / 2, y + 0.5 - SIZE / 2);
      const alpha = Math.round(255 * Math.min(1, Math.max(0, r + 0.5 - d)));
      row.set([...rgb, alpha], 1 + x * 4);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIZE, 0);
  ihdr.writeUInt32BE(SIZE, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idat = zlib.deflateSync(Buffer.concat(rows), { level: 9 });
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** Write every level's icon into `outDir`; returns the paths written. */
function writeTrayIcons(outDir) {
  fs.mkdirSync(outDir, { recursive: true });
  return Object.entries(LEVELS).map(([level, rgb]) => {
    const file = path.join(outDir, `tray-${level}.png`);
    fs.writeFileSync(file, discPng(rgb));
    return file;
  });
}

module.exports = { writeTrayIcons, discPng, LEVELS, SIZE };

if (require.main === module) {
  for (const file of writeTrayIcons(process.argv[2] ?? __dirname)) console.log(file);
}
