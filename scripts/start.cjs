#!/usr/bin/env node
// `npm start`: launch the built app in Electron. Where the Electron binary is missing and cannot be
// downloaded (offline machines), say so in one line and point to browser mode instead of a stack trace.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const electronDir = path.dirname(require.resolve('electron/package.json', { paths: [root] }));

function electronBinary() {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, 'electron');
  const pathFile = path.join(electronDir, 'path.txt');
  const binary = () => path.join(electronDir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  if (fs.existsSync(pathFile) && fs.existsSync(binary())) return binary();
  // electron downloads its binary lazily; try once, quietly.
  const install = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { stdio: 'ignore', timeout: 300_000 });
  if (install.status === 0 && fs.existsSync(pathFile) && fs.existsSync(binary())) return binary();
  return null;
}

const binary = electronBinary();
if (!binary) {
  console.error('Headroom: the Electron binary is not installed and could not be downloaded here; run the same window in your browser with `npx headroom serve`.');
  process.exit(1);
}
const child = spawn(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
