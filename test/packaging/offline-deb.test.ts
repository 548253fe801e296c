// The deb, built offline and installed for real. electron-builder lays it out from the real config,
// our fpm stand-in builds it with dpkg-deb, dpkg installs it, polkitd reads its policy, pkexec runs
// its helper. The package layout and the privileged path are real; the Electron binary inside is the
// stand-in (packaging/standin-electron.ts), which runs only in Node mode — exactly the mode the
// helper uses — so no window is opened or claimed here.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReapResponseSchema } from '../../contract/reap';
import { PrivilegeModeSchema } from '../../contract/status';
import { readStat } from '../../native/proc';
import { buildDebOffline } from '../../packaging/build-deb-offline';
import {
  APP_EXECUTABLE_PATH,
  APP_INSTALL_DIR,
  CLI_INSTALL_PATH,
  DESKTOP_ID,
  GUARD_UNIT_INSTALL_PATH,
  HELPER_INSTALL_PATH,
  HELPER_SCRIPT_INSTALL_PATH,
  POLICY_INSTALL_PATH,
  POLKIT_ACTION_ID,
  PROJECT_ROOT,
} from '../../packaging/layout';
import { packagedCliWrapper, packagedGuardUnit } from '../../packaging/prepare-cli-files';
import { packagedHelperWrapper, packagedPolicy } from '../../packaging/prepare-polkit-files';
import { SnapshotSchema } from '../../contract/snapshot';
import { readFuseWire } from '../../packaging/standin-electron';
import { ALLOWED_USER, DENIED_USER, ensureUser, testRules } from '../privileged/setup';
import { startHog, stopAllHogs } from '../support/hogs';

const HAVE_DPKG_DEB = existsSync('/usr/bin/dpkg-deb');
if (!HAVE_DPKG_DEB) console.warn('offline deb tests skipped: dpkg-deb is not installed (they need a Debian-family system)');

const PACKAGE = 'headroom';
const DESKTOP_FILE = `/usr/share/applications/${DESKTOP_ID}.desktop`;
const RULES_PATH = '/etc/polkit-1/rules.d/50-headroom-packaging-test.rules';
const INSTALLED_PATHS = [HELPER_INSTALL_PATH, POLICY_INSTALL_PATH, APP_EXECUTABLE_PATH, HELPER_SCRIPT_INSTALL_PATH, DESKTOP_FILE, '/usr/share/icons/hicolor/512x512/apps/headroom.png', CLI_INSTALL_PATH, GUARD_UNIT_INSTALL_PATH];

let deb = '';
let extracted = '';

function dpkgStatus(): string {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', PACKAGE], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : 'not-installed';
}
function purgeIfPresent(): void {
  if (dpkgStatus() !== 'not-installed' && dpkgStatus() !== 'unknown ok not-installed') execFileSync('dpkg', ['--purge', PACKAGE], { stdio: 'ignore' });
}

beforeAll(() => {
  if (!HAVE_DPKG_DEB) return;
  deb = buildDebOffline();
  extracted = mkdtempSync(join(tmpdir(), 'headroom-deb-x-'));
  execFileSync('dpkg-deb', ['-x', deb, extracted]);
}, 180_000);

afterAll(() => {
  if (extracted) rmSync(extracted, { recursive: true, force: true });
});

describe.skipIf(!HAVE_DPKG_DEB)('offline deb: real electron-builder layout built with dpkg-deb (Electron binary is a stand-in)', () => {
  it('control: package, version, architecture, depends on pkexec | policykit-1, maintainer scripts', () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    const field = (name: string) => execFileSync('dpkg-deb', ['-f', deb, name], { encoding: 'utf8' }).trim();
    expect(field('Package')).toBe(PACKAGE);
    expect(field('Version')).toBe(pkg.version);
    expect(field('Architecture')).toBe(process.arch === 'arm64' ? 'arm64' : 'amd64');
    expect(field('Depends').split(', ')).toContain('pkexec | policykit-1');
    expect(field('Maintainer')).toMatch(/<.+@.+>/);
    const info = execFileSync('dpkg-deb', ['-I', deb], { encoding: 'utf8' });
    expect(info).toMatch(/postinst/);
    expect(info).toMatch(/postrm/);
  });

  it('puts the wrapper (0755) and policy (0644) at their paths, owned by root, next to the app in /opt/Headroom', () => {
    const listing = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n');
    const entry = (path: string) => listing.find((line) => line.endsWith(` .${path}`));
    expect(entry(HELPER_INSTALL_PATH)).toMatch(/^-rwxr-xr-x root\/root /);
    expect(entry(POLICY_INSTALL_PATH)).toMatch(/^-rw-r--r-- root\/root /);
    expect(entry(APP_EXECUTABLE_PATH)).toMatch(/^-rwxr-xr-x root\/root /);
    expect(entry(CLI_INSTALL_PATH)).toMatch(/^-rwxr-xr-x root\/root /);
    expect(entry(GUARD_UNIT_INSTALL_PATH)).toMatch(/^-rw-r--r-- root\/root /);
    expect(entry(HELPER_SCRIPT_INSTALL_PATH)).toMatch(/^-rw[x-]r-[x-]r-[x-] root\/root /);
    expect(entry(`${APP_INSTALL_DIR}/resources/app.asar`)).toBeDefined();
    expect(listing.filter((line) => line !== '' && !/ root\/root /.test(line))).toEqual([]);
    // Nothing group- or world-writable.
    expect(listing.filter((line) => /^.{5}w|^.{8}w/.test(line))).toEqual([]);
  });

  it('installs exactly the wrapper and policy native/polkit renders', () => {
    expect(readFileSync(join(extracted, HELPER_INSTALL_PATH), 'utf8')).toBe(packagedHelperWrapper());
    expect(readFileSync(join(extracted, POLICY_INSTALL_PATH), 'utf8')).toBe(packagedPolicy());
    expect(readFileSync(join(extracted, CLI_INSTALL_PATH), 'utf8')).toBe(packagedCliWrapper());
    expect(readFileSync(join(extracted, GUARD_UNIT_INSTALL_PATH), 'utf8')).toBe(packagedGuardUnit());
  });

  it('has a desktop entry that passes desktop-file-validate, with the WM class and categories asked for', () => {
    const file = join(extracted, DESKTOP_FILE);
    const result = spawnSync('desktop-file-validate', [file], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`StartupWMClass=${DESKTOP_ID}\n`);
    expect(text).toContain('Categories=System;Monitor;\n');
    expect(text).toContain(`Exec=${APP_EXECUTABLE_PATH} %U\n`);
    expect(text).toContain('Icon=headroom\n');
  });

  it('carries the fuses electron-builder.yml asks for, flipped in the packaged binary by electron-builder', () => {
    // RunAsNode, CookieEncryption on; NODE_OPTIONS, --inspect, asar integrity off; OnlyLoadAppFromAsar on; V8 snapshot off; file:// privileges off.
    expect(readFuseWire(join(extracted, APP_EXECUTABLE_PATH))).toBe('11000100');
  });

  it('leaves the renderer-only packages out of the asar and the helper\'s dependencies out of it', () => {
    const asar = execFileSync(join(PROJECT_ROOT, 'node_modules/.bin/asar'), ['list', join(extracted, APP_INSTALL_DIR, 'resources/app.asar')], { encoding: 'utf8' }).split('\n');
    const packages = asar.filter((path) => /^\/node_modules\/(@[^/]+\/)?[^/@]+$/.test(path)).map((path) => path.slice('/node_modules/'.length));
    expect(packages.sort()).toEqual(['@koromix/koffi-linux-' + process.arch, 'koffi', 'ws']);
    expect(asar).toContain('/dist/renderer/index.html');
    for (const dir of ['dist/native/helper', 'dist/contract', 'dist/main/cli.js', 'dist/renderer/index.html', 'node_modules/koffi', 'node_modules/ws']) {
      expect(existsSync(join(extracted, APP_INSTALL_DIR, 'resources/app.asar.unpacked', dir)), dir).toBe(true);
    }
  });
});

describe.skipIf(!HAVE_DPKG_DEB)('offline deb installed with dpkg: real dpkg, polkitd and pkexec (Electron binary is a stand-in)', () => {
  let appCopy = '';
  const users = { allowed: { uid: 0, gid: 0 }, denied: { uid: 0, gid: 0 } };

  /** Run the app's reap service (compiled main/reaper) as `user`, as the app would: default helper path, no overrides. */
  function appReapAs(user: { uid: number; gid: number }, target?: { pid: number; startTime: number }) {
    return new Promise<{ code: number | null; out: { before: string; after: string; starts: number; results: unknown } | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(appCopy, 'reap-as-app.cjs'), ...(target ? [String(target.pid), String(target.startTime)] : [])], {
        uid: user.uid,
        gid: user.gid,
        cwd: '/',
        env: { PATH: '/usr/bin:/bin', HOME: '/' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, out: stdout ? JSON.parse(stdout) : null, stderr }));
    });
  }

  beforeAll(async () => {
    if (process.geteuid?.() !== 0) throw new Error('installing the deb needs root');
    // Another test's policy for the same action (test/privileged installs one) would make polkit's answer depend on file order.
    if (existsSync(POLICY_INSTALL_PATH) && spawnSync('dpkg', ['-S', POLICY_INSTALL_PATH]).status !== 0) {
      throw new Error(`${POLICY_INSTALL_PATH} exists and no package owns it (test/privileged running or left over?); not installing the deb over it`);
    }
    purgeIfPresent(); // a leftover from an interrupted run of this file
    execFileSync('sh', [join(PROJECT_ROOT, 'test/privileged/start-services.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    users.allowed = ensureUser(ALLOWED_USER);
    users.denied = ensureUser(DENIED_USER);
    writeFileSync(RULES_PATH, testRules("Headroom's packaging test (test/packaging/offline-deb.test.ts)"), { mode: 0o644 });
    // The app's own code, readable by the test users (the checkout may be private).
    appCopy = mkdtempSync(join(tmpdir(), 'headroom-app-'));
    for (const part of ['dist/contract', 'dist/main', 'dist/native', 'node_modules/koffi', 'node_modules/@koromix']) {
      cpSync(join(PROJECT_ROOT, part), join(appCopy, part), { recursive: true, dereference: true });
    }
    writeFileSync(
      join(appCopy, 'reap-as-app.cjs'),
      `const { createReapService } = require('./dist/main/reaper/service.js');
const [pid, startTime] = process.argv.slice(2).map(Number);
(async () => {
  const service = createReapService({ sessionCritical: () => [], endGraceMs: () => 5000 });
  const before = service.privilege();
  const response = pid ? await service.reap({ targets: [{ pid, startTime }], mode: 'kill' }) : null;
  const after = service.privilege();
  const starts = service.helperStarts();
  await service.close();
  process.stdout.write(JSON.stringify({ before, after, starts, results: response && response.results }));
})();
`,
    );
    execFileSync('chmod', ['-R', 'u=rwX,go=rX', appCopy]);
  }, 120_000);

  afterEach(stopAllHogs);

  afterAll(() => {
    purgeIfPresent();
    rmSync(RULES_PATH, { force: true });
    if (appCopy) rmSync(appCopy, { recursive: true, force: true });
  });

  it('before install, the app as an unprivileged user sees no helper, and names HELPER_INSTALL_PATH as the one it would run', async () => {
    expect(existsSync(HELPER_INSTALL_PATH)).toBe(false);
    const hog = startHog({ mib: 16 });
    await hog.ready;
    const run = await appReapAs(users.allowed, { pid: hog.pid, startTime: readStat(hog.pid)!.startTime });
    expect(run.stderr).toBe('');
    expect(PrivilegeModeSchema.parse(run.out?.before)).toBe('helper-missing');
    const [result] = ReapResponseSchema.parse({ results: run.out?.results }).results;
    expect(result).toMatchObject({ ok: false, via: 'helper', error: { code: 'HELPER_UNAVAILABLE' } });
    expect(result!.error!.message).toContain(`(${HELPER_INSTALL_PATH} is not installed)`);
    expect(hog.alive()).toBe(true);
  });

  it('dpkg -i installs it; the policy and helper are at their paths and owned by the package', () => {
    const result = spawnSync('dpkg', ['-i', deb], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(dpkgStatus()).toBe('install ok installed');
    for (const path of INSTALLED_PATHS) {
      expect(execFileSync('dpkg', ['-S', path], { encoding: 'utf8' }).trim(), path).toBe(`${PACKAGE}: ${path}`);
    }
    expect(readFileSync(HELPER_INSTALL_PATH, 'utf8')).toBe(packagedHelperWrapper());
    // /usr/bin/headroom is the command-line wrapper the package owns, not an alternatives link to the window.
    expect(execFileSync('readlink', ['-f', CLI_INSTALL_PATH], { encoding: 'utf8' }).trim()).toBe(CLI_INSTALL_PATH);
    expect(readFileSync(CLI_INSTALL_PATH, 'utf8')).toBe(packagedCliWrapper());
    expect(spawnSync('update-alternatives', ['--query', 'headroom']).status).not.toBe(0);
  });

  it('the command line is on PATH: an unprivileged user runs `headroom snapshot --json` (the app binary in Node mode)', () => {
    const run = spawnSync('headroom', ['snapshot', '--json', '--top', '3'], {
      uid: users.denied.uid,
      gid: users.denied.gid,
      cwd: '/',
      env: { PATH: '/usr/bin:/bin', HOME: '/' },
      encoding: 'utf8',
      maxBuffer: 32 * 1024 * 1024,
    });
    expect(run.status, run.stderr).toBe(0);
    const snapshot = SnapshotSchema.parse(JSON.parse(run.stdout));
    expect(Math.abs(snapshot.time - Date.now())).toBeLessThan(60_000);
    const help = spawnSync('headroom', ['--help'], { uid: users.denied.uid, gid: users.denied.gid, cwd: '/', env: { PATH: '/usr/bin:/bin', HOME: '/' }, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: headroom <command>/);
  });

  it('the guard user unit is installed and passes systemd-analyze verify as installed', () => {
    expect(readFileSync(GUARD_UNIT_INSTALL_PATH, 'utf8')).toBe(packagedGuardUnit());
    const runtime = mkdtempSync(join(tmpdir(), 'headroom-unit-runtime-'));
    try {
      const r = spawnSync('systemd-analyze', ['--user', 'verify', '--man=no', GUARD_UNIT_INSTALL_PATH], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
      expect((r.stdout + r.stderr).trim()).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(runtime, { recursive: true, force: true });
    }
  });

  it('pkaction --action-id io.headroom.reap finds the installed action', async () => {
    let result = spawnSync('pkaction', ['--action-id', POLKIT_ACTION_ID, '--verbose'], { encoding: 'utf8' });
    for (let i = 0; i < 50 && result.status !== 0; i++) {
      await new Promise((r) => setTimeout(r, 200)); // polkitd reloads actions on an inotify event
      result = spawnSync('pkaction', ['--action-id', POLKIT_ACTION_ID, '--verbose'], { encoding: 'utf8' });
    }
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`org.freedesktop.policykit.exec.path -> ${HELPER_INSTALL_PATH}`);
    expect(result.stdout).toMatch(/implicit active:\s+auth_admin_keep/);
  });

  it('a user the polkit rule grants reaps a root-owned hog: the app runs pkexec on the installed helper, which starts the app binary in Node mode', async () => {
    const hog = startHog({ mib: 128 });
    await hog.ready;
    const stat = readStat(hog.pid)!;
    expect(stat).not.toBeNull();
    const run = await appReapAs(users.allowed, { pid: hog.pid, startTime: stat.startTime });
    expect(run.stderr).toBe('');
    expect(run.out?.before).toBe('helper-installed');
    expect(run.out?.starts).toBe(1);
    const [result] = ReapResponseSchema.parse({ results: run.out?.results }).results;
    expect(result, JSON.stringify(result)).toMatchObject({ pid: hog.pid, ok: true, via: 'helper', method: 'mrelease' });
    expect(result!.freedBytes).toBeGreaterThan(100 * 1024 * 1024);
    await Promise.race([hog.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('the hog is still running 5 s after the reap')), 5000))]);
    expect(hog.alive()).toBe(false);
  });

  it('a user the rule denies gets NOT_AUTHORIZED and the hog keeps running', async () => {
    const hog = startHog({ mib: 16 });
    await hog.ready;
    const run = await appReapAs(users.denied, { pid: hog.pid, startTime: readStat(hog.pid)!.startTime });
    const [result] = ReapResponseSchema.parse({ results: run.out?.results }).results;
    expect(result).toMatchObject({ ok: false, via: 'helper', error: { code: 'NOT_AUTHORIZED' } });
    await new Promise((r) => setTimeout(r, 200));
    expect(hog.alive()).toBe(true);
  });

  it('dpkg -r removes everything it installed, and the app is back to helper-missing', async () => {
    const result = spawnSync('dpkg', ['-r', PACKAGE], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    for (const path of [...INSTALLED_PATHS, APP_INSTALL_DIR, '/usr/libexec/headroom', '/usr/bin/headroom']) {
      expect(existsSync(path), path).toBe(false);
    }
    const run = await appReapAs(users.allowed);
    expect(run.out?.before).toBe('helper-missing');
    // The postrm runs once more on purge; it must not fail there either.
    const purge = spawnSync('dpkg', ['--purge', PACKAGE], { encoding: 'utf8' });
    expect(purge.status, purge.stderr).toBe(0);
    expect(['not-installed', 'unknown ok not-installed']).toContain(dpkgStatus());
    for (const path of [CLI_INSTALL_PATH, GUARD_UNIT_INSTALL_PATH]) expect(existsSync(path), path).toBe(false);
  });
});
