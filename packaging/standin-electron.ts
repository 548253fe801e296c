/**
 * A stand-in for the Electron distribution directory, so electron-builder can lay out and package
 * Headroom on a machine that cannot download Electron. It is NOT Electron: its `electron`
 * executable is a bash script that behaves like Electron only in Node mode
 * (`ELECTRON_RUN_AS_NODE=1`, which is how the privileged helper is started) and otherwise prints one
 * line saying it is a stand-in and exits 1.
 *
 * It carries an Electron fuse wire (the sentinel @electron/fuses looks for, then version, length and
 * one byte per fuse), so electron-builder's `electronFuses` flips real bytes in it, and the script
 * honours the fuses that matter in Node mode: RunAsNode, EnableNodeOptionsEnvironmentVariable and
 * EnableNodeCliInspectArguments. The wire starts at Electron's defaults.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What @electron/fuses searches for in the binary. */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/**
 * The fuse wire Electron ships with, in @electron/fuses' V1 order: RunAsNode, EnableCookieEncryption,
 * EnableNodeOptionsEnvironmentVariable, EnableNodeCliInspectArguments,
 * EnableEmbeddedAsarIntegrityValidation, OnlyLoadAppFromAsar, LoadBrowserProcessSpecificV8Snapshot,
 * GrantFileProtocolExtraPrivileges.
 */
export const ELECTRON_DEFAULT_FUSES = '10110001';

/** The message the stand-in prints when asked to open a window. */
export const STANDIN_MESSAGE = 'this is the offline stand-in for the Electron binary: it runs only in Node mode (ELECTRON_RUN_AS_NODE=1), so no window can open';

function script(nodePath: string): Buffer {
  const head = Buffer.from('#!/bin/bash\n# electron fuse wire (flipped by @electron/fuses, honoured below): ' + FUSE_SENTINEL, 'latin1');
  const wire = Buffer.concat([Buffer.from([1, ELECTRON_DEFAULT_FUSES.length]), Buffer.from(ELECTRON_DEFAULT_FUSES + '\n', 'latin1')]);
  const body = `# ${STANDIN_MESSAGE.replace(/^this/, 'This')}.
# Built by packaging/standin-electron.ts for offline package builds and tests; never shipped to users.
set -u
wire=$(LC_ALL=C sed -n 2p -- "$0")
wire=\${wire: -${ELECTRON_DEFAULT_FUSES.length}}
if [ -z "\${ELECTRON_RUN_AS_NODE:-}" ]; then
  echo "$(basename -- "$0"): ${STANDIN_MESSAGE}" >&2
  exit 1
fi
if [ "\${wire:0:1}" != 1 ]; then
  # Electron with the RunAsNode fuse off ignores ELECTRON_RUN_AS_NODE and starts the app instead.
  echo "$(basename -- "$0"): the RunAsNode fuse is off, so ELECTRON_RUN_AS_NODE is ignored; ${STANDIN_MESSAGE}" >&2
  exit 1
fi
# Electron with these fuses off ignores NODE_OPTIONS and the --inspect family of flags.
[ "\${wire:2:1}" = 1 ] || unset NODE_OPTIONS
args=()
for a in "$@"; do
  case "$a" in
    --inspect*|--debug*) [ "\${wire:3:1}" = 1 ] && args+=("$a") ;;
    *) args+=("$a") ;;
  esac
done
exec ${nodePath} "\${args[@]}"
`;
  return Buffer.concat([head, wire, Buffer.from(body, 'utf8')]);
}

/**
 * Write the stand-in Electron directory at `dir` (created if needed): `electron` (the script above,
 * running `nodePath` in Node mode), `version`, `LICENSE` and an empty `resources/`, which is what
 * electron-builder copies and renames from a real distribution. Returns `dir`.
 */
export function writeStandinElectron(dir: string, electronVersion: string, nodePath = process.execPath): string {
  if (!/^\/[\w./+-]+$/.test(nodePath)) throw new Error(`the stand-in needs an absolute node path without spaces, got '${nodePath}'`);
  mkdirSync(join(dir, 'resources'), { recursive: true });
  const executable = join(dir, 'electron');
  writeFileSync(executable, script(nodePath));
  chmodSync(executable, 0o755);
  writeFileSync(join(dir, 'version'), electronVersion);
  writeFileSync(join(dir, 'LICENSE'), `Stand-in for Electron ${electronVersion} (MIT, https://github.com/electron/electron): a bash script, not Electron.\n`);
  return dir;
}

/** The fuse wire ('0'/'1' per fuse, V1 order) currently in a stand-in (or Electron) binary. */
export function readFuseWire(executable: string): string {
  const bytes = readFileSync(executable);
  const at = bytes.indexOf(FUSE_SENTINEL, 0, 'latin1');
  if (at === -1) throw new Error(`${executable} has no Electron fuse wire`);
  const start = at + FUSE_SENTINEL.length;
  const length = bytes[start + 1]!;
  return bytes.subarray(start + 2, start + 2 + length).toString('latin1');
}
