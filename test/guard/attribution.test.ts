/**
 * Culprit ranking on contract-shaped snapshots (pure data, checked with SnapshotSchema by
 * makeSnapshot): an app's own stall outranks growth, growth outranks size, the largest RSS alone is
 * never a reason, and the policy's refusals carry their sentence.
 */
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../contract/snapshot';
import { Attribution, globToRegExp, type ActionPolicy } from '../../main/guard/attribution';
import { GiB, makeSnapshot, MiB } from '../notify/make-snapshot';

const policy: ActionPolicy = { sessionCritical: ['gnome-shell'], avoid: [], prefer: [], protectedPids: new Set([4242]), ownUid: 1000, mayReapOthers: false };

/**
 * Two snapshots 2 s apart: `big` (3 GiB, idle), `leaky` (tree app growing 200 MiB/s), `stalled` (an app
 * scope whose own group stalled 0.6 % of the time), `shell` (gnome-shell, 40 % stalled).
 */
function twoTicks(): [Snapshot, Snapshot] {
  const at = (k: number): Snapshot => {
    const s = makeSnapshot({
      seq: k,
      apps: [
        { name: 'big', rss: 3 * GiB, growth: 0 },
        { name: 'leaky', rss: 500 * MiB + k * 400 * MiB, growth: 200 * MiB },
        { name: 'stalled', rss: 100 * MiB, growth: 0 },
        { name: 'shell', rss: 300 * MiB, growth: 0, comm: 'gnome-shell' },
      ],
    });
    s.time = 1_000_000 + k * 2000;
    for (const [name, pct] of [['stalled', 0.6], ['shell', 40]] as const) {
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

function rank(p: Partial<ActionPolicy> = {}) {
  const attribution = new Attribution();
  const [a, b] = twoTicks();
  attribution.observe(a);
  attribution.observe(b);
  return attribution.rank(b, { ...policy, ...p });
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

  it('the prefer list moves a ranked app first, but never ranks an app without evidence', () => {
    expect(rank({ prefer: ['leaky'] }).map((c) => c.name)).toEqual(['leaky', 'shell', 'stalled']);
    expect(rank({ prefer: ['big'] }).map((c) => c.name)).toEqual(['shell', 'stalled', 'leaky']);
  });

  it('globs are anchored and escape everything but * and ?', () => {
    expect(globToRegExp('app-*.scope').test('app-firefox-12.scope')).toBe(true);
    expect(globToRegExp('app-*.scope').test('xapp-firefox.scope')).toBe(false);
    expect(globToRegExp('fire?ox').test('firefox')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});
