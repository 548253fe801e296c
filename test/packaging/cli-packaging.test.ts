// The command line on PATH and the guard's systemd user unit, as the deb ships them: the mappings
// in electron-builder.yml, the maintainer scripts that no longer link /usr/bin/headroom to the
// window, the wrapper run for real (on the offline stand-in for the Electron binary, which behaves
// like Electron only in Node mode) and the unit checked by systemd-analyze. The installed deb is
// exercised by offline-deb.test.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Configuration } from 'app-builder-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotSchema } from '../../contract/snapshot';
import {
  APP_EXECUTABLE_PATH,
  CLI_INSTALL_PATH,
  CLI_SCRIPT_INSTALL_PATH,
  GENERATED_CLI_WRAPPER,
  GENERATED_GUARD_UNIT,
  GUARD_UNIT_INSTALL_PATH,
  PROJECT_ROOT,
} from '../../packaging/layout';
import { packagedCliWrapper, packagedGuardUnit } from '../../packaging/prepare-cli-files';
import { STANDIN_MESSAGE, writeStandinElectron } from '../../packaging/standin-electron';
import { loadBuilderConfig } from './config';

let config: Configuration;
let work: string;
beforeAll(async () => {
  config = await loadBuilderConfig();
  work = mkdtempSync(join(tmpdir(), 'headroom-cli-packaging-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the deb puts the command line on PATH and ships the guard unit', () => {
  it('maps the generated wrapper to CLI_INSTALL_PATH and the unit to GUARD_UNIT_INSTALL_PATH', () => {
    const fpm = (config.deb?.fpm ?? []).map((arg) => {
      const [source, destination] = arg.split('=');
      return { source: resolve(PROJECT_ROOT, source!), destination };
    });
    expect(fpm).toEqual(
      expect.arrayContaining([
        { source: GENERATED_CLI_WRAPPER, destination: CLI_INSTALL_PATH },
        { source: GENERATED_GUARD_UNIT, destination: GUARD_UNIT_INSTALL_PATH },
      ]),
    );
    expect(CLI_INSTALL_PATH).toBe('/usr/bin/headroom');
    expect(GUARD_UNIT_INSTALL_PATH).toBe('/usr/lib/systemd/user/headroom-guard.service');
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(CLI_SCRIPT_INSTALL_PATH).toBe(`${APP_EXECUTABLE_PATH.replace(/\/[^/]+$/, '')}/resources/app.asar.unpacked/${pkg.bin.headroom}`);
  });

  it('unpacks what the command line loads as plain Node: dist/main, the renderer serve sends, ws', () => {
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['dist/main/**', 'dist/renderer/**', 'dist/contract/**', 'dist/native/**', 'node_modules/ws/**']));
  });

  it('uses maintainer scripts that leave /usr/bin/headroom to dpkg and drop an old alternatives link', () => {
    expect(config.deb?.afterInstall).toBe('packaging/deb/after-install.tpl');
    expect(config.deb?.afterRemove).toBe('packaging/deb/after-remove.tpl');
    const install = readFileSync(join(PROJECT_ROOT, 'packaging/deb/after-install.tpl'), 'utf8');
    const remove = readFileSync(join(PROJECT_ROOT, 'packaging/deb/after-remove.tpl'), 'utf8');
    expect(install).not.toMatch(/ln -sf|update-alternatives --install/);
    expect(install).toContain("update-alternatives --remove-all '${executable}'");
    expect(remove).not.toMatch(/^\s*(update-alternatives|rm -f '\/usr\/bin)/m);
    // electron-builder's other duties stay: the sandbox bit, desktop and mime databases, AppArmor.
    for (const kept of ['chrome-sandbox', 'update-desktop-database', 'apparmor_parser']) expect(install).toContain(kept);
    for (const script of [install, remove]) expect(spawnSync('bash', ['-n'], { input: script }).status).toBe(0);
  });
});

describe('the wrapper, run for real on the stand-in Electron binary', () => {
  let wrapper: string;
  beforeAll(() => {
    if (!existsSync(join(PROJECT_ROOT, 'dist/main/cli.js'))) throw new Error('dist/main/cli.js is missing: run npm run build first');
    const electron = join(writeStandinElectron(join(work, 'electron'), '45.5.0'), 'electron');
    // The packaged wrapper with its two absolute paths pointed at this checkout; nothing else changed.
    const text = packagedCliWrapper().replaceAll(APP_EXECUTABLE_PATH, electron).replaceAll(CLI_SCRIPT_INSTALL_PATH, join(PROJECT_ROOT, 'dist/main/cli.js'));
    expect(text).not.toBe(packagedCliWrapper());
    wrapper = join(work, 'headroom');
    writeFileSync(wrapper, text);
    chmodSync(wrapper, 0o755);
  });

  it('runs `headroom snapshot --json` in Node mode and prints a snapshot', () => {
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    const out = execFileSync(wrapper, ['snapshot', '--json', '--top', '3'], { encoding: 'utf8', env, maxBuffer: 32 * 1024 * 1024 });
    const snapshot = SnapshotSchema.parse(JSON.parse(out));
    // A fresh sample of this machine, not something canned.
    expect(Math.abs(snapshot.time - Date.now())).toBeLessThan(60_000);
    expect(snapshot.features.psi).toBe(existsSync('/proc/pressure/memory'));
    expect(snapshot.memory.totalBytes).toBe(Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024);
  });

  it('passes arguments through unchanged (spaces included) and exits with the CLI status', () => {
    const help = spawnSync(wrapper, ['--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: headroom <command>/);
    const bad = spawnSync(wrapper, ['no such command'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("headroom: unknown command 'no such command' (try: headroom --help)\n");
  });

  it('with no arguments opens the window (the binary not in Node mode: the stand-in says so)', () => {
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    const window = spawnSync(wrapper, [], { encoding: 'utf8', env });
    expect(window.status).toBe(1);
    expect(window.stderr).toContain(STANDIN_MESSAGE);
  });
});

describe('the guard user unit', () => {
  function verify(unitText: string): { status: number | null; output: string } {
    const dir = mkdtempSync(join(work, 'unit-'));
    const runtime = join(dir, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    const file = join(dir, 'headroom-guard.service');
    writeFileSync(file, unitText);
    const r = spawnSync('systemd-analyze', ['--user', 'verify', '--man=no', file], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
    return { status: r.status, output: (r.stdout + r.stderr).trim() };
  }

  it('runs `headroom guard` from PATH, restarts on failure, and asks for nothing a user manager refuses', () => {
    const unit = packagedGuardUnit();
    expect(unit).toContain(`\nExecStart=${CLI_INSTALL_PATH} guard\n`);
    expect(unit).toContain('\nRestart=on-failure\n');
    expect(unit).toContain('\nRestartPreventExitStatus=2\n');
    expect(unit).toContain('\nWantedBy=default.target\n');
    // Not --act: auto-reap stays opt-in. No negative Nice, no OOMScoreAdjust below 0, no LimitMEMLOCK.
    expect(unit.split('\n').filter((l) => l.startsWith('ExecStart'))).toEqual([`ExecStart=${CLI_INSTALL_PATH} guard`]);
    expect(unit).not.toMatch(/^(Nice=-|OOMScoreAdjust=-|LimitMEMLOCK=|User=)/m);
  });

  it('passes systemd-analyze verify (its one complaint before install is that /usr/bin/headroom is not there yet), and verify does catch a bad unit', () => {
    const good = verify(packagedGuardUnit());
    if (existsSync(CLI_INSTALL_PATH)) {
      expect(good).toEqual({ status: 0, output: '' });
    } else {
      expect(good.output.split('\n')).toEqual([`headroom-guard.service: Command ${CLI_INSTALL_PATH} is not executable: No such file or directory`]);
    }
    const bad = verify(packagedGuardUnit().replace('Restart=on-failure', 'Restart=sometimes').replace('Type=simple', 'Type=simplest'));
    expect(bad.output).toMatch(/Failed to parse service type, ignoring: simplest|Failed to parse service restart specifier, ignoring: sometimes/);
  });
});
