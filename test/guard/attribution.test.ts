/**
 * Culprit ranking on contract-shaped snapshots (pure data, checked with SnapshotSchema by
 * makeSnapshot): an app's own stall outranks growth, growth outranks size, the largest RSS alone is
 * never a reason, and the policy's refusals carry their sentence.
 */
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../contract/snapshot';
import { Attribution, globPrefixRegExp, globToRegExp, type ActionPolicy } from '../../main/guard/attribution';
import { GiB, makeSnapshot, MiB } from '../notify/make-snapshot';

const policy: ActionPolicy = { sessionCritical: ['gnome-shell'], avoid: [], prefer: [], protectedPids: new Set([4242]), ownUid: 1000, mayReapOthers: false };

/**
 * Two snapshots 2 s apart: `big` (3 GiB, idle), `leaky` (tree app growing 200 MiB/s), `stalled` (an app
 * scope whose own group stalled 0.6 % of the time), `shell` (gnome-shell, 40 % stalled); with
 * `faint`, an app scope stalled 0.1 % (ranked, but too little to act on).
 */
function twoTicks(faint = false): [Snapshot, Snapshot] {
  const at = (k: number): Snapshot => {
    const s = makeSnapshot({
      seq: k,
      apps: [
        { name: 'big', rss: 3 * GiB, growth: 0 },
        { name: 'leaky', rss: 500 * MiB + k * 400 * MiB, growth: 200 * MiB },
        { name: 'stalled', rss: 100 * MiB, growth: 0 },
        { name: 'shell', rss: 300 * MiB, growth: 0, comm: 'gnome-shell' },
        ...(faint ? [{ name: 'faint', rss: 50 * MiB, growth: 0 }] : []),
      ],
    });
    s.time = 1_000_000 + k * 2000;
    for (const [name, pct] of [['stalled', 0.6], ['shell', 40], ...(faint ? [['faint', 0.1] as const] : [])] as const) {
      const app = s.apps.find((a) => a.name === name)!;
      app.cgroup = `/user.slice/app-${name}-1.scope`;
      app.kind = 'scope';
      const line = { avg10: 0, avg60: 0, avg300: 0, totalUs: k * 2000 * 1000 * (pct / 100), tickPct: null };
      app.pressure = { some: line, full: line };
    }
    return s;
  };
  return [at(0), at(1)];
}

function rank(p: Partial<ActionPolicy> = {}, faint = false) {
  const attribution = new Attribution();
  const [a, b] = twoTicks(faint);
  attribution.observe(a);
  attribution.observe(b);
  return attribution.rank(b, { ...policy, ...p });
}

/**
 * A ranking by name over two ticks 2 s apart in which every app grows 100 MiB/s times its
 * `growthFactor` (no app has a stall of its own): how the name rules see apps with these comms.
 */
function rankedByName(apps: Array<{ comm: string; growthFactor: number }>, p: Partial<ActionPolicy>): Map<string, ReturnType<Attribution['rank']>[number]> {
  const at = (k: number): Snapshot => {
    const s = makeSnapshot({ seq: k, apps: apps.map((a) => ({ name: a.comm, rss: 100 * MiB + k * a.growthFactor * 200 * MiB, growth: 0, comm: a.comm })) });
    s.time = 1_000_000 + k * 2000;
    return s;
  };
  const attribution = new Attribution();
  attribution.observe(at(0));
  attribution.observe(at(1));
  return new Map(attribution.rank(at(1), { ...policy, ownUid: 1000, ...p }).map((c) => [c.name, c]));
}

describe('culprit ranking', () => {
  it('own stall first, then growth; the biggest idle app is never ranked', () => {
    const ranking = rank();
    expect(ranking.map((c) => c.name)).toEqual(['shell', 'stalled', 'leaky']);
    expect(ranking.map((c) => c.reason)).toEqual([
      'shell: 40 % of its time stalled on memory, 300 MiB anon+swap',
      'stalled: 0.6 % of its time stalled on memory, 100 MiB anon+swap',
      'leaky: +200 MiB/s, 900 MiB anon+swap',
    ]);
  });

  it('names each culprit\'s processes by PID and start time (what tells them from a later process given the same PID)', () => {
    const [, b] = twoTicks();
    for (const c of rank()) {
      expect(c.startTimes).toEqual(c.pids.map((pid) => b.processes.find((p) => p.pid === pid)!.startTime));
      expect(c.startTimes.length).toBeGreaterThan(0);
    }
  });

  it('session-critical, protected, avoided and other users\' apps are not actionable, with the reason', () => {
    const ranking = rank({ avoid: ['app-stalled-*'] });
    expect(ranking[0]!.notActionable).toMatch(/^shell contains gnome-shell, which is part of the desktop session \(session-critical\)/);
    expect(ranking[1]!.notActionable).toBe("stalled matches 'app-stalled-*' on the avoid list.");
    expect(ranking[2]!.notActionable).toBeNull();
    const others = rank({ ownUid: 0 });
    expect(others[2]!.notActionable).toMatch(/^leaky belongs to alice \(uid 1000\); the guard reaps other users' apps only while Headroom's privileged helper is already running\.$/);
    expect(rank({ ownUid: 0, mayReapOthers: true })[2]!.notActionable).toBeNull();
    expect(rank({ protectedPids: new Set([1001]) }).find((c) => c.name === 'leaky')!.notActionable).toMatch(/contains Headroom itself or a process Headroom runs under \(PID 1001\)/);
  });

  it('a process the kernel started itself (a child of kthreadd that is no kernel thread: a crash-dump handler) is never reaped, and the sentence says so', () => {
    const attribution = new Attribution();
    const ticks = twoTicks();
    for (const s of ticks) {
      const leaky = new Set(s.apps.find((app) => app.name === 'leaky')!.pids);
      for (const p of s.processes) if (leaky.has(p.pid)) p.ppid = 2;
    }
    for (const s of ticks) attribution.observe(s);
    const leaky = attribution.rank(ticks[1], policy).find((c) => c.name === 'leaky')!;
    const pid = ticks[1].apps.find((app) => app.name === 'leaky')!.pids[0]!;
    expect(leaky.notActionable).toBe(`leaky contains leaky (PID ${pid}), which the kernel started itself (a crash-dump handler, modprobe); the guard never reaps it.`);
  });

  it('the prefer list moves a ranked app first, but never ranks an app without evidence', () => {
    expect(rank({ prefer: ['leaky'] }).map((c) => c.name)).toEqual(['leaky', 'shell', 'stalled']);
    expect(rank({ prefer: ['big'] }).map((c) => c.name)).toEqual(['shell', 'stalled', 'leaky']);
  });

  it('the prefer list moves only an app with evidence enough to act on: a faint stall stays where its score puts it', () => {
    expect(rank({}, true).map((c) => c.name)).toEqual(['shell', 'stalled', 'faint', 'leaky']);
    // Preferred, but 0.1 % stalled (under the 0.5 % an act needs): the warning must not name it the likely cause.
    expect(rank({ prefer: ['faint'] }, true).map((c) => c.name)).toEqual(['shell', 'stalled', 'faint', 'leaky']);
    expect(rank({ prefer: ['stalled'] }, true).map((c) => c.name)).toEqual(['stalled', 'shell', 'faint', 'leaky']);
  });

  it('globs are anchored and escape everything but * and ?', () => {
    expect(globToRegExp('app-*.scope').test('app-firefox-12.scope')).toBe(true);
    expect(globToRegExp('app-*.scope').test('xapp-firefox.scope')).toBe(false);
    expect(globToRegExp('fire?ox').test('firefox')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });

  it('names longer than comm\'s 15 characters still match: session-critical by their first 15, avoid globs by what the cut comm could be', () => {
    // Two apps whose comm the kernel cut to 15 characters (gnome-text-edit growing 100 MiB/s, the
    // others 200 MiB/s, so it ranks last unless preferred), and one whose comm is short.
    const ranked = (p: Partial<ActionPolicy>) =>
      rankedByName([{ comm: 'gnome-text-edit', growthFactor: 1 }, { comm: 'xdg-desktop-por', growthFactor: 2 }, { comm: 'gnome-text', growthFactor: 2 }], p);
    const critical = ranked({ sessionCritical: ['xdg-desktop-portal'], avoid: ['gnome-text-editor'] });
    expect(critical.get('xdg-desktop-por')!.notActionable).toBe('xdg-desktop-por contains xdg-desktop-por, which is part of the desktop session (session-critical); the guard never reaps it.');
    expect(critical.get('gnome-text-edit')!.notActionable).toBe("gnome-text-edit matches 'gnome-text-editor' on the avoid list.");
    // A short comm is the whole name: 'gnome-text' is not 'gnome-text-editor'.
    expect(critical.get('gnome-text')!.notActionable).toBeNull();
    for (const glob of ['*-text-editor', 'gnome-text-ed?tor*', 'gnome-text-edit']) {
      expect(ranked({ avoid: [glob] }).get('gnome-text-edit')!.notActionable, glob).toBe(`gnome-text-edit matches '${glob}' on the avoid list.`);
    }
    expect(ranked({ avoid: ['gnome-text-viewer'] }).get('gnome-text-edit')!.notActionable).toBeNull();
    // The prefer list (towards a reap) matches a cut comm by a plain name's first 15 only, never by a glob's prefix.
    expect([...ranked({ prefer: ['gnome-text'] }).keys()][0]).toBe('gnome-text');
    expect([...ranked({ prefer: ['xdg-desktop-portal'] }).keys()][0]).toBe('xdg-desktop-por');
    expect([...ranked({ prefer: ['gnome-text-editor'] }).keys()][0]).toBe('gnome-text-edit');
    expect([...ranked({ prefer: ['gnome-text-ed*-x'] }).keys()].at(-1)).toBe('gnome-text-edit');
  });

  it('the 15 are bytes: a non-ASCII name cut inside a letter (its comm ends in U+FFFD) still matches session-critical names and avoid globs', () => {
    // 'Übersetzer-Dienst' (18 bytes): the kernel keeps 'Übersetzer-Die' (15 bytes, 14 letters);
    // 'öööööööööö' (20 bytes): 7 letters and the first byte of the 8th, read back as U+FFFD.
    const ranked = (p: Partial<ActionPolicy>) => rankedByName([{ comm: 'Übersetzer-Die', growthFactor: 1 }, { comm: 'ööööööö\ufffd', growthFactor: 2 }], p);
    const critical = ranked({ sessionCritical: ['öööööööööö'], avoid: ['Übersetzer-Dienst'] });
    expect(critical.get('ööööööö\ufffd')!.notActionable).toMatch(/which is part of the desktop session \(session-critical\)/);
    expect(critical.get('Übersetzer-Die')!.notActionable).toBe("Übersetzer-Die matches 'Übersetzer-Dienst' on the avoid list.");
    expect(ranked({ avoid: ['ö*x'] }).get('ööööööö\ufffd')!.notActionable).toBe("ööööööö\ufffd matches 'ö*x' on the avoid list.");
    expect(ranked({ avoid: ['ä*'] }).get('ööööööö\ufffd')!.notActionable).toBeNull();
    // A plain prefer name matches by its first 15 bytes, cut as the kernel cuts.
    expect([...ranked({ prefer: ['öööööööööö'] }).keys()][0]).toBe('ööööööö\ufffd');
  });

  it('the prefix form of a glob matches every start of a name the glob matches, and nothing else', () => {
    const re = globPrefixRegExp('gnome-text-editor');
    expect(['', 'gnome', 'gnome-text-edit', 'gnome-text-editor'].every((s) => re.test(s))).toBe(true);
    expect(['gnome-text-editorx', 'gnome-text-x', 'xgnome'].some((s) => re.test(s))).toBe(false);
    expect(globPrefixRegExp('a.b*').test('a.bcdef')).toBe(true);
    expect(globPrefixRegExp('a.b*').test('axb')).toBe(false);
  });
});
