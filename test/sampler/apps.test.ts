// Cgroup classification on path strings (this machine keeps every process in "/", so real app
// cgroups cannot be made here), and grouping into apps on a hand-built process table.
import { describe, expect, it } from 'vitest';
import type { ProcessInfo, PsiResource } from '../../contract/snapshot';
import { classifyCgroup, unescapeSystemd } from '../../main/sampler/classify-cgroup';
import { CgroupClassifier, groupApps, type GroupableProcess } from '../../main/sampler/group-apps';

describe('classifyCgroup', () => {
  const cases: [string, ReturnType<typeof classifyCgroup>][] = [
    ['/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox\\x2desr-4821.scope',
      { path: '/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox\\x2desr-4821.scope', kind: 'scope', name: 'gnome-firefox-esr' }],
    ['/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.kde.konsole-1234.scope',
      { path: '/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.kde.konsole-1234.scope', kind: 'scope', name: 'org.kde.konsole' }],
    ['/user.slice/user-1000.slice/user@1000.service/app.slice/app-flatpak-org.mozilla.firefox-2211.scope',
      { path: '/user.slice/user-1000.slice/user@1000.service/app.slice/app-flatpak-org.mozilla.firefox-2211.scope', kind: 'flatpak', name: 'org.mozilla.firefox' }],
    ['/user.slice/user-1000.slice/user@1000.service/app.slice/snap.firefox.firefox-1b2c3d4e-aaaa-bbbb-cccc-0123456789ab.scope',
      { path: '/user.slice/user-1000.slice/user@1000.service/app.slice/snap.firefox.firefox-1b2c3d4e-aaaa-bbbb-cccc-0123456789ab.scope', kind: 'snap', name: 'firefox' }],
    ['/system.slice/snap.lxd.daemon.service', { path: '/system.slice/snap.lxd.daemon.service', kind: 'snap', name: 'lxd' }],
    ['/system.slice/ssh.service', { path: '/system.slice/ssh.service', kind: 'service', name: 'ssh' }],
    ['/system.slice/systemd-journald.service', { path: '/system.slice/systemd-journald.service', kind: 'service', name: 'systemd-journald' }],
    ['/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Evolution\\x2dalarm\\x2dnotify@autostart.service',
      { path: '/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Evolution\\x2dalarm\\x2dnotify@autostart.service', kind: 'service', name: 'org.gnome.Evolution-alarm-notify' }],
    // A service's own sub-groups belong to the service.
    ['/system.slice/docker.service/worker', { path: '/system.slice/docker.service', kind: 'service', name: 'docker' }],
    // Not apps: the root, slices, init, session scopes, the user manager as a whole.
    ['/', null],
    ['/system.slice', null],
    ['/init.scope', null],
    ['/user.slice/user-1000.slice/session-3.scope', null],
    ['/user.slice/user-1000.slice/user@1000.service/init.scope', null],
    ['/user.slice/user-1000.slice/user@1000.service', null],
    ['/snap.slice', null],
    ['relative/app-x.scope', null],
  ];
  it.each(cases)('%s', (path, expected) => {
    expect(classifyCgroup(path)).toEqual(expected);
  });

  it('undoes systemd escapes', () => {
    expect(unescapeSystemd('a\\x2db\\x20c')).toBe('a-b c');
    // Non-ASCII letters are escaped as their UTF-8 bytes (systemd-escape 'Café Über' → 'Caf\xc3\xa9\x20\xc3\x9cber').
    expect(unescapeSystemd('Caf\\xc3\\xa9\\x20\\xc3\\x9cber')).toBe('Café Über');
    expect(unescapeSystemd('bad\\xff')).toBe('bad\ufffd');
  });
});

function proc(pid: number, ppid: number, extra: Partial<ProcessInfo> & { session?: number } = {}): GroupableProcess {
  const { session, ...info } = extra;
  return {
    session: session ?? 0,
    info: {
      pid, ppid, uid: 1000, user: 'alice', comm: `p${pid}`, cmdline: '', startTime: pid * 10, state: 'S',
      rssBytes: 1 << 20, anonBytes: 1 << 19, fileBytes: 1 << 19, shmemBytes: 0, swapBytes: 0,
      oomScore: 0, oomScoreAdj: 0, cgroup: '/', appId: '', growthBytesPerSec: 0, ...info,
    },
  };
}

const PRESSURE: PsiResource = { some: { avg10: 1, avg60: 2, avg300: 3, totalUs: 4, tickPct: 5 }, full: null };

describe('groupApps', () => {
  it('groups by process tree under init and under a session leader, and by cgroup where it is an app', () => {
    const scope = '/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox-99.scope';
    const table = [
      proc(1, 0, { uid: 0, user: 'root', comm: 'init' }),
      proc(100, 1, { comm: 'editor', rssBytes: 10 << 20 }),
      proc(101, 100, { rssBytes: 30 << 20, uid: 1001, user: 'bob', growthBytesPerSec: 500 }),
      proc(102, 101, { growthBytesPerSec: -100 }),
      // A shell leading its session: each command it starts is an app of its own.
      proc(200, 1, { comm: 'bash', session: 200 }),
      proc(201, 200, { comm: 'make', session: 200 }),
      proc(202, 201, { comm: 'cc', session: 200 }),
      proc(203, 200, { comm: 'vim', session: 200 }),
      // Two processes in one app cgroup; the child's tree parent does not matter.
      proc(300, 1, { comm: 'firefox', cgroup: scope, rssBytes: 100 << 20, swapBytes: 4096 }),
      proc(301, 300, { comm: 'Web Content', cgroup: scope, rssBytes: 50 << 20 }),
      // Started by an app cgroup member but living outside it: its own tree app.
      proc(302, 300, { comm: 'helper' }),
      // Parent not visible (hidepid or raced): its own root.
      proc(400, 399, { comm: 'orphan' }),
    ];
    const asked: string[] = [];
    const apps = groupApps(table, new CgroupClassifier(), (path) => {
      asked.push(path);
      return PRESSURE;
    });
    const appOf = (pid: number) => table.find((p) => p.info.pid === pid)!.info.appId;
    expect(appOf(1)).toBe('tree:1:10');
    expect([100, 101, 102].map(appOf)).toEqual(['tree:100:1000', 'tree:100:1000', 'tree:100:1000']);
    expect(appOf(200)).toBe('tree:200:2000');
    expect([201, 202].map(appOf)).toEqual(['tree:201:2010', 'tree:201:2010']);
    expect(appOf(203)).toBe('tree:203:2030');
    expect([300, 301].map(appOf)).toEqual([`cg:${scope}`, `cg:${scope}`]);
    expect(appOf(302)).toBe('tree:302:3020');
    expect(appOf(400)).toBe('tree:400:4000');
    expect(asked).toEqual([scope]);

    const firefox = apps.find((a) => a.id === `cg:${scope}`)!;
    expect(firefox).toEqual({
      id: `cg:${scope}`, name: 'firefox', kind: 'scope', cgroup: scope, rssBytes: 150 << 20, anonBytes: 1 << 20,
      swapBytes: 4096, processCount: 2, pids: [300, 301], growthBytesPerSec: 0, user: 'alice', uid: 1000, pressure: PRESSURE,
    });
    const editor = apps.find((a) => a.id === 'tree:100:1000')!;
    expect(editor).toMatchObject({ name: 'editor', kind: 'tree', cgroup: null, rssBytes: 41 << 20, processCount: 3, pressure: null, growthBytesPerSec: 400 });
    // The owner is the owner of the largest process.
    expect(editor).toMatchObject({ user: 'bob', uid: 1001 });
    // Largest first; every process in exactly one app.
    expect(apps[0]!.id).toBe(`cg:${scope}`);
    expect(apps.reduce((n, a) => n + a.processCount, 0)).toBe(table.length);
  });

  it('treats children of a systemd user manager as top-level apps', () => {
    const table = [proc(500, 1, { comm: 'systemd' }), proc(501, 500, { comm: 'gnome-shell' }), proc(502, 501, { comm: 'Xwayland' })];
    groupApps(table, new CgroupClassifier(), () => null);
    expect(table.map((p) => p.info.appId)).toEqual(['tree:500:5000', 'tree:501:5010', 'tree:501:5010']);
  });

  it('never changes a row that already carries another app (the table reuses rows across ticks): it replaces it with a copy', () => {
    // Tick 1: 702's tree is rooted at 700 (700's parent 699 is a plain process that is not in the table).
    const root = proc(700, 699);
    const child = proc(701, 700);
    const grandchild = proc(702, 701);
    groupApps([root, child, grandchild], new CgroupClassifier(), () => null);
    const tick1 = grandchild.info;
    expect(tick1.appId).toBe('tree:700:7000');
    // Tick 2: 700 has exited, 701 was re-parented to init; 702's row is the very same object (it rested).
    const reparented = proc(701, 1);
    const table = [reparented, grandchild];
    const apps = groupApps(table, new CgroupClassifier(), () => null);
    expect(grandchild.info).not.toBe(tick1);
    expect(grandchild.info).toEqual({ ...tick1, appId: 'tree:701:7010' });
    expect(tick1.appId).toBe('tree:700:7000');
    expect(apps.find((a) => a.id === 'tree:701:7010')!.pids).toEqual([701, 702]);
    // Same app again: the row is kept as it is.
    const kept = grandchild.info;
    groupApps(table, new CgroupClassifier(), () => null);
    expect(grandchild.info).toBe(kept);
  });

  it('does not put an orphan under a process that reused its dead parent\'s PID', () => {
    // 800 (started at 8000) had the child 801 and was killed; the new 800 started after 801 did, and
    // 801's ppid still says 800 until the table reads its re-parenting.
    const impostor = proc(800, 1, { startTime: 9000, comm: 'newcomer' });
    const orphan = proc(801, 800, { startTime: 8010, comm: 'orphan' });
    const apps = groupApps([impostor, orphan], new CgroupClassifier(), () => null);
    expect(orphan.info.appId).toBe('tree:801:8010');
    expect(apps.find((a) => a.id === 'tree:800:9000')!.pids).toEqual([800]);
    // A real parent (started before its child) still owns it.
    const parent = proc(810, 1, { startTime: 8000 });
    const child = proc(811, 810, { startTime: 8100 });
    groupApps([parent, child], new CgroupClassifier(), () => null);
    expect(child.info.appId).toBe('tree:810:8000');
  });

  it('ends a ppid cycle (bad input) instead of looping', () => {
    const table = [proc(600, 601), proc(601, 600)];
    const apps = groupApps(table, new CgroupClassifier(), () => null);
    expect(apps.reduce((n, a) => n + a.processCount, 0)).toBe(2);
  });
});
