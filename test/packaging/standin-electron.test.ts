// The stand-in Electron directory used for offline package builds: a bash script, not Electron.
// These check that it behaves as the brief says (Node mode only, one clear line otherwise) and
// that @electron/fuses — the library electron-builder's electronFuses uses — really flips its fuses
// and the script honours them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion } from '@electron/fuses';
import { afterEach, describe, expect, it } from 'vitest';
import { ELECTRON_DEFAULT_FUSES, readFuseWire, STANDIN_MESSAGE, writeStandinElectron } from '../../packaging/standin-electron';

const dirs: string[] = [];
function standin(): string {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-standin-'));
  dirs.push(dir);
  return join(writeStandinElectron(dir, '45.5.0'), 'electron');
}
function run(executable: string, args: string[], env: Record<string, string>) {
  return spawnSync('/usr/bin/env', ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), executable, ...args], { encoding: 'utf8', timeout: 20_000 });
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('stand-in Electron binary (not Electron: a bash script for offline builds)', () => {
  it('without ELECTRON_RUN_AS_NODE prints one line saying it is a stand-in and exits 1', () => {
    const result = run(standin(), [], {});
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([`electron: ${STANDIN_MESSAGE}`]);
  });

  it('with ELECTRON_RUN_AS_NODE=1 and an empty environment runs the script in Node, with its arguments', () => {
    const result = run(standin(), ['-e', 'console.log(JSON.stringify([process.version, process.argv.slice(1)]))', 'a b', '$HOME'], { ELECTRON_RUN_AS_NODE: '1' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([process.version, ['a b', '$HOME']]);
  });

  it('starts with Electron\'s default fuse wire, which @electron/fuses reads and flips', async () => {
    const executable = standin();
    expect(readFuseWire(executable)).toBe(ELECTRON_DEFAULT_FUSES);
    await flipFuses(executable, {
      version: FuseVersion.V1,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
    });
    expect(readFuseWire(executable)).toBe('10000101');
  });

  it('honours EnableNodeOptionsEnvironmentVariable: NODE_OPTIONS applies while on and is ignored once off', async () => {
    const executable = standin();
    const env = { ELECTRON_RUN_AS_NODE: '1', NODE_OPTIONS: '--require=/nonexistent/headroom-preload.js' };
    expect(run(executable, ['-e', '0'], env).status).not.toBe(0);
    await flipFuses(executable, { version: FuseVersion.V1, [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false });
    const result = run(executable, ['-e', 'console.log("ran")'], env);
    expect(result.stdout.trim()).toBe('ran');
  });

  it('honours EnableNodeCliInspectArguments: --inspect* flags reach Node while on and are dropped once off', async () => {
    const executable = standin();
    // --inspect-port only sets the port; it does not start the inspector, so no port is opened here.
    const args = ['--inspect-port=0', '-e', 'console.log(JSON.stringify(process.execArgv.filter((a) => a.startsWith("--inspect"))))'];
    expect(JSON.parse(run(executable, args, { ELECTRON_RUN_AS_NODE: '1' }).stdout)).toEqual(['--inspect-port=0']);
    await flipFuses(executable, { version: FuseVersion.V1, [FuseV1Options.EnableNodeCliInspectArguments]: false });
    expect(JSON.parse(run(executable, args, { ELECTRON_RUN_AS_NODE: '1' }).stdout)).toEqual([]);
  });

  it('honours RunAsNode: with the fuse off, ELECTRON_RUN_AS_NODE is ignored and nothing runs', async () => {
    const executable = standin();
    await flipFuses(executable, { version: FuseVersion.V1, [FuseV1Options.RunAsNode]: false });
    const result = run(executable, ['-e', 'console.log("ran")'], { ELECTRON_RUN_AS_NODE: '1' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('RunAsNode fuse is off');
  });
});
