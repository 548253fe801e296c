// The fpm command line electron-builder 26 passes (captured from a real run), parsed by our
// stand-in for fpm, and the control file it becomes.
import { describe, expect, it } from 'vitest';
import { controlFile } from '../../packaging/deb-from-fpm';
import { debianDescription, FpmUsageError, parseFpmArgs } from '../../packaging/fpm-args';

const CAPTURED = [
  '-s', 'dir', '--force', '-t', 'deb',
  '-d', 'libgtk-3-0', '-d', 'libasound2 | libasound2t64', '-d', 'pkexec | policykit-1',
  '--deb-compression', 'xz', '--architecture', 'amd64',
  '--after-install', '/tmp/t-1Va5nQ/0-after-install', '--after-remove', '/tmp/t-1Va5nQ/1-after-remove',
  '--description', 'Live memory pressure; end a runaway app and get its memory back now\n See memory pressure live and end a runaway app in one click, with its memory back in milliseconds.',
  '--version', '0.1.0', '--package', '/work/main/release/headroom_0.1.0_amd64.deb',
  '--name', 'headroom', '--maintainer', 'Headroom developers <dev@headroom.invalid>', '--vendor', 'Headroom developers <dev@headroom.invalid>',
  '--url', 'https://headroom.invalid', '--category', 'utils', '--deb-priority', 'optional', '--license', 'MIT',
  'release/polkit/headroom-helper=/usr/libexec/headroom/headroom-helper',
  'release/polkit/io.headroom.reap.policy=/usr/share/polkit-1/actions/io.headroom.reap.policy',
  '/work/main/release/linux-unpacked/=/opt/Headroom',
  '/tmp/t-1Va5nQ/4-headroom.desktop=/usr/share/applications/io.headroom.Headroom.desktop',
];

describe('fpm arguments from electron-builder', () => {
  it('parses the captured command line into package fields and src=dest mappings', () => {
    const inv = parseFpmArgs(CAPTURED);
    expect(inv).toMatchObject({
      name: 'headroom',
      version: '0.1.0',
      architecture: 'amd64',
      maintainer: 'Headroom developers <dev@headroom.invalid>',
      depends: ['libgtk-3-0', 'libasound2 | libasound2t64', 'pkexec | policykit-1'],
      compression: 'xz',
      force: true,
      packagePath: '/work/main/release/headroom_0.1.0_amd64.deb',
      afterInstall: '/tmp/t-1Va5nQ/0-after-install',
      afterRemove: '/tmp/t-1Va5nQ/1-after-remove',
      category: 'utils',
      priority: 'optional',
    });
    expect(inv.mappings).toEqual([
      { source: 'release/polkit/headroom-helper', destination: '/usr/libexec/headroom/headroom-helper' },
      { source: 'release/polkit/io.headroom.reap.policy', destination: '/usr/share/polkit-1/actions/io.headroom.reap.policy' },
      { source: '/work/main/release/linux-unpacked/', destination: '/opt/Headroom' },
      { source: '/tmp/t-1Va5nQ/4-headroom.desktop', destination: '/usr/share/applications/io.headroom.Headroom.desktop' },
    ]);
  });

  it('writes a control file with the depends alternatives and a wrapped extended description', () => {
    const control = controlFile(parseFpmArgs(CAPTURED), 1234);
    expect(control).toContain('Package: headroom\nVersion: 0.1.0\nArchitecture: amd64\n');
    expect(control).toContain('Depends: libgtk-3-0, libasound2 | libasound2t64, pkexec | policykit-1\n');
    expect(control).toContain('Installed-Size: 1234\n');
    expect(control).toMatch(/\nDescription: Live memory pressure; end a runaway app and get its memory back now\n See memory pressure.*\n back in milliseconds\.\n$/);
    for (const line of control.slice(control.indexOf('Description:')).split('\n').slice(1)) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('formats empty description lines as " ." and refuses an empty description', () => {
    expect(debianDescription('Short\n one\n\n two')).toBe('Short\n one\n .\n two');
    expect(() => debianDescription('\n  \n')).toThrow(FpmUsageError);
  });

  it('refuses what it does not implement, naming it, instead of building a different package', () => {
    expect(() => parseFpmArgs([...CAPTURED, '--deb-no-default-config-files'])).toThrow(/unsupported fpm option --deb-no-default-config-files/);
    expect(() => parseFpmArgs(CAPTURED.map((a) => (a === 'deb' ? 'rpm' : a)))).toThrow(/only -t deb/);
    expect(() => parseFpmArgs(CAPTURED.filter((a, i) => a !== '--name' && CAPTURED[i - 1] !== '--name'))).toThrow(/missing --name/);
    expect(() => parseFpmArgs([...CAPTURED, 'relative=dest'])).toThrow(/expected SRC=\/DEST/);
    expect(() => parseFpmArgs([...CAPTURED, 'x=/usr/../etc/shadow'])).toThrow(/must not contain '\.\.'/);
    expect(() => parseFpmArgs([...CAPTURED, '--package'])).toThrow(/--package needs a value/);
  });
});
