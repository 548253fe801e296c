/**
 * Build the deb on a machine without internet: electron-builder lays out and packages the app as
 * usual, but with a stand-in Electron directory (-c.electronDist, packaging/standin-electron.ts) and
 * our fpm (CUSTOM_FPM_PATH=packaging/fpm-dpkg.sh, which builds the package with dpkg-deb). The
 * package layout, maintainer scripts, helper and policy are the real ones; the Electron binary in it
 * is the stand-in, which runs only in Node mode.
 *
 *   npm run build && npx tsx packaging/build-deb-offline.ts     → release/headroom_<version>_amd64.deb
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './layout';
import { writeStandinElectron } from './standin-electron';

/** The Debian architecture name of this machine, as electron-builder names the deb. */
export function debianArch(): 'amd64' | 'arm64' {
  if (process.arch === 'x64') return 'amd64';
  if (process.arch === 'arm64') return 'arm64';
  throw new Error(`Headroom is packaged for x64 and arm64, not ${process.arch}`);
}

/** Where the offline build writes the stand-in Electron directory. */
export const STANDIN_DIR = join(PROJECT_ROOT, 'release', 'standin-electron');

/** Build the deb for this machine's architecture; returns its path. Needs `npm run build` first. */
export function buildDebOffline(): string {
  for (const needed of ['dist/app/main.js', 'dist/native/helper/main.js']) {
    if (!existsSync(join(PROJECT_ROOT, needed))) throw new Error(`${needed} is missing: run npm run build first`);
  }
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const electronVersion = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
  writeStandinElectron(STANDIN_DIR, electronVersion);
  const arch = debianArch();
  execFileSync(
    join(PROJECT_ROOT, 'node_modules', '.bin', 'electron-builder'),
    ['--linux', 'deb', arch === 'amd64' ? '--x64' : '--arm64', '--publish', 'never', `-c.electronDist=${STANDIN_DIR}`],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CUSTOM_FPM_PATH: join(PROJECT_ROOT, 'packaging', 'fpm-dpkg.sh') } },
  );
  const deb = join(PROJECT_ROOT, 'release', `${pkg.name}_${pkg.version}_${arch}.deb`);
  if (!existsSync(deb)) throw new Error(`electron-builder finished but ${deb} is not there`);
  return deb;
}

if (require.main === module) {
  try {
    process.stdout.write(`built ${buildDebOffline()}\n`);
  } catch (err) {
    process.stderr.write(`build-deb-offline: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
