/**
 * The guard's decisions on contract-shaped snapshots (guard-snapshots.ts) where the evidence is
 * awkward: a likely cause that may not be acted on, a stalled victim beside a fast grower, one long
 * tick, a wall clock stepping back, a sample without PSI, a second guard holding the lock. The
 * reaper only records (the PIDs are made up); what matters is whom the guard would send it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GuardEvent } from '../../contract/guard';
import { GuardLock } from '../../main/guard';
import { guardSnapshot, MiB, testGuard, type AppTick } from './guard-snapshots';

type Apps = (k: number) => AppTick[];

/**
 * Ticks every `stepMs` from `t0` with 50 % some and 40 % full system stall; returns the next time.
 * `availableShare`: MemAvailable's share of MemTotal in them (half unless given).
 */
function feed(g: ReturnType<typeof testGuard>, apps: Apps, from: number, to: number, t0 = 100_000, stepMs = 250, availableShare?: number): number {
  let t = t0;
  for (let k = from; k <= to; k++, t += stepMs) g.guard.observe(guardSnapshot(t, k * stepMs * 500, k * stepMs * 400, apps(k), availableShare));
  return t;
}

const kinds = (events: GuardEvent[]): string[] => events.map((e) => e.event + ('culprit' in e && e.culprit ? `:${e.culprit.name}` : ''));

describe('guard: never a bystander', () => {
  it('the likely cause is on the avoid list: warns naming it, says why nothing is reaped, and does not reap the next app', async () => {
    const g = testGuard({ autoReap: true, guardSustainSeconds: 1, autoReapAvoid: ['build-farm'] });
    // build-farm: 40 % own stall, +400 MiB/s; firefox: 1 % own stall, not growing.
    const apps: Apps = (k) => [
      { name: 'build-farm', comm: 'cc1plus', anonBytes: 1000 * MiB + k * 100 * MiB, stallUs: k * 100_000 },
      { name: 'firefox', anonBytes: 500 * MiB, stallUs: k * 2_500 },
    ];
    feed(g, apps, 0, 16);
    await g.guard.idle();
    expect(kinds(g.events)).toEqual(['started', 'warning:build-farm']);
    expect(g.requests).toEqual([]);
    const state = g.guard.state();
    expect(state.culprit).toBeNull();
    expect(state.ranking.map((c) => c.name)).toEqual(['build-farm', 'firefox']);
    expect(state.culpritNote).toBe(
      "Nothing is reaped: build-farm is the likely cause, but auto-reap may not act on it (build-farm matches 'build-farm' on the avoid list), and it never reaps another app in its place.",
    );
    g.done();
  });

  it('a stalled victim that is not growing beside a fast grower with no group of its own, memory short: the grower is named, neither is reaped', async () => {
    const g = testGuard({ autoReap: true, guardSustainSeconds: 1 });
    const apps: Apps = (k) => [
      { name: 'python3', anonBytes: 1000 * MiB + k * 100 * MiB },
      { name: 'firefox', anonBytes: 500 * MiB, stallUs: k * 1_500 },
    ];
    // 5 % of memory available: a grower this fast is taking it from everyone else.
    feed(g, apps, 0, 16, 100_000, 250, 0.05);
    await g.guard.idle();
    expect(kinds(g.events)).toEqual(['started', 'warning:python3']);
    expect(g.requests).toEqual([]);
    const state = g.guard.state();
    expect(state.ranking[0]!.name).toBe('firefox');
    expect(state.culprit).toBeNull();
    expect(state.culpritNote).toBe(
      'Nothing is reaped: the evidence conflicts. python3 is growing fast and is the likely cause; firefox stalls most but is not growing, so it is more likely losing its memory to python3 than causing the pressure. Auto-reap acts on neither; reap python3 by hand if it is the one.',
    );
    g.done();
  });

  it('the same two apps with memory to spare: the app stalling in a limit of its own is the cause, whatever grows beside it', async () => {
    // As in the drills on a shared machine: a thrasher in its own small limit while a test suite's
    // hogs grow elsewhere; the machine has memory to spare, so the grower evicts nobody.
    const g = testGuard({ autoReap: true, guardSustainSeconds: 1 });
    const apps: Apps = (k) => [
      { name: 'python3', anonBytes: 1000 * MiB + k * 100 * MiB },
      { name: 'firefox', anonBytes: 500 * MiB, stallUs: k * 1_500 },
    ];
    feed(g, apps, 0, 16);
    await g.guard.idle();
    expect(kinds(g.events)).toEqual(['started', 'warning:firefox', 'reap:firefox']);
    expect(g.requests).toHaveLength(1);
    g.done();
  });

  it('the same two apps with memory to spare on the machine, but sharing a memory-limited group that is short (a container): the grower is named, neither is reaped', async () => {
    // firefox is PID 1001 and python3 PID 1000 in these snapshots; both in one limit with 5 % of it left.
    const shared = { id: 'v2:/machine.slice/box.scope', limitBytes: 2048 * MiB, availableBytes: 100 * MiB };
    const g = testGuard({ autoReap: true, guardSustainSeconds: 1 }, undefined, (pid) => (pid === 1000 || pid === 1001 ? [shared] : []));
    const apps: Apps = (k) => [
      { name: 'python3', anonBytes: 1000 * MiB + k * 100 * MiB },
      { name: 'firefox', anonBytes: 500 * MiB, stallUs: k * 1_500 },
    ];
    feed(g, apps, 0, 16);
    await g.guard.idle();
    expect(kinds(g.events)).toEqual(['started', 'warning:python3']);
    expect(g.requests).toEqual([]);
    expect(g.guard.state().culpritNote).toMatch(/^Nothing is reaped: the evidence conflicts\. python3 is growing fast/);
    g.done();
  });

  it('sharing a limited group with room left, or each in a short limit of its own: the stalled app is the cause and is reaped', async () => {
    const apps: Apps = (k) => [
      { name: 'python3', anonBytes: 1000 * MiB + k * 100 * MiB },
      { name: 'firefox', anonBytes: 500 * MiB, stallUs: k * 1_500 },
    ];
    const roomy = { id: 'v2:/machine.slice/box.scope', limitBytes: 2048 * MiB, availableBytes: 1000 * MiB };
    const ownShort = (pid: number) => [{ id: `v1:/own-${pid}`, limitBytes: 150 * MiB, availableBytes: 2 * MiB }];
    for (const limitsOf of [(pid: number) => (pid === 1000 || pid === 1001 ? [roomy] : []), ownShort]) {
      const g = testGuard({ autoReap: true, guardSustainSeconds: 1 }, undefined, limitsOf);
      feed(g, apps, 0, 16);
      await g.guard.idle();
      expect(kinds(g.events)).toEqual(['started', 'warning:firefox', 'reap:firefox']);
      g.done();
    }
  });

  it('unambiguous: a thrasher in its own group with nothing else growing is still named and reaped, past a larger idle bystander', async () => {
    const g = testGuard({ autoReap: true, guardSustainSeconds: 1 });
    const apps: Apps = (k) => [
      { name: 'hrdrill', comm: 'node', anonBytes: 40 * MiB, stallUs: k * 100_000 },
      { name: 'bystander', anonBytes: 600 * MiB + (k % 2) * MiB },
    ];
    feed(g, apps, 0, 12);
    await g.guard.idle();
    expect(kinds(g.events)).toEqual(['started', 'warning:hrdrill', 'reap:hrdrill']);
    expect(g.requests.map((r) => r.targets.map((t) => t.pid))).toEqual([[1000]]);
    g.done();
  });
});

describe('guard: time', () => {
  it('one long tick (5 s interval, 2 s sustain) neither warns nor reaps; pressure seen on the ticks after it for the sustain period does', async () => {
    const g = testGuard({ autoReap: true, intervalMs: 5000, guardSustainSeconds: 2 });
    const app = (stallUs: number): AppTick[] => [{ name: 'x', anonBytes: 100 * MiB, stallUs }];
    g.guard.observe(guardSnapshot(100_000, 0, 0, app(0)));
    // A 1.2 s burst within one 5 s tick: 30 % some, 24 % full, the app 20 % of its own.
    g.guard.observe(guardSnapshot(105_000, 1_500_000, 1_200_000, app(1_000_000)));
    await g.guard.idle();
    expect(g.guard.state().pressure).toEqual({ some: 30, full: 24 });
    expect(kinds(g.events)).toEqual(['started']);
    expect(g.requests).toEqual([]);
    // Real sustained pressure afterwards, sampled fast: 50 % some, 40 % full, the app 40 %.
    let some = 1_500_000;
    let full = 1_200_000;
    let stall = 1_000_000;
    const firstWarnAt: number[] = [];
    for (let t = 105_250; t <= 109_000; t += 250) {
      some += 125_000;
      full += 100_000;
      stall += 100_000;
      g.guard.observe(guardSnapshot(t, some, full, app(stall)));
      if (firstWarnAt.length === 0 && g.events.some((e) => e.event === 'warning')) firstWarnAt.push(t);
    }
    await g.guard.idle();
    expect(kinds(g.events)).toEqual(['started', 'warning:x', 'reap:x']);
    // Credited from 104 750 ms at most (one fast tick before the long one's end): held 2 s at 106 750 ms.
    expect(firstWarnAt[0]).toBeGreaterThanOrEqual(106_750);
    g.done();
  });

  it('a wall clock stepping back 10 minutes mid-pressure: the guard keeps measuring, warns and reaps on the new clock, and prunes its history', async () => {
    // The guard's own clock is monotonic: it moves on as the ticks come, whatever the wall clock does.
    let clock = 0;
    const g = testGuard({ autoReap: true, guardSustainSeconds: 2 }, undefined, undefined, () => clock);
    const app = (k: number): AppTick[] => [{ name: 'x', anonBytes: 100 * MiB, stallUs: k * 100_000 }];
    let t = 10_000_000;
    let k = 0;
    for (; k < 8; k++, t += 1000, clock += 1000) g.guard.observe(guardSnapshot(t, 0, 0, app(k)));
    t -= 600_000;
    let some = 0;
    let full = 0;
    const pressures: Array<{ some: number; full: number } | null> = [];
    for (let i = 0; i < 40; i++, k++, t += 250, clock += 250) {
      some += 125_000;
      full += 100_000;
      g.guard.observe(guardSnapshot(t, some, full, app(k)));
      pressures.push(g.guard.state().pressure);
    }
    await g.guard.idle();
    expect(pressures.at(-1)).toEqual({ some: 50, full: 40 });
    expect(kinds(g.events)).toEqual(['started', 'warning:x', 'reap:x']);
    expect(g.guard.state()).toMatchObject({ phase: 'acting', mode: 'poll' });
    g.done();
  });
});

describe('guard: a sample without PSI', () => {
  it('shows unavailable for that sample only; the mode comes back when PSI is measured again', () => {
    const g = testGuard({});
    g.guard.observe(guardSnapshot(1000, 0, 0, []));
    const bad = guardSnapshot(2000, 0, 0, []);
    bad.psi = null;
    g.guard.observe(bad);
    expect(g.guard.state()).toMatchObject({ mode: 'unavailable', windowMs: null });
    expect(g.guard.state().modeNote).toMatch(/^The last sample had no memory pressure information/);
    for (let t = 3000; t <= 6000; t += 1000) g.guard.observe(guardSnapshot(t, t * 10, 0, []));
    expect(g.guard.state()).toMatchObject({ mode: 'poll', modeNote: "PSI triggers not used here; reading the PSI files at the sampling rate", pressure: { some: 1, full: 0 } });
    g.done();
  });
});

describe('guard: would-reap words', () => {
  it('auto-reap on but another guard holds the lock: the would-reap says another guard does the reaping, not that auto-reap is off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-guard-words-'));
    const holder = new GuardLock(join(dir, 'guard.lock'));
    try {
      expect(holder.acquire()).toBe(true);
      const on = testGuard({ autoReap: true, guardSustainSeconds: 1 }, join(dir, 'guard.lock'));
      const off = testGuard({ autoReap: false, guardSustainSeconds: 1 });
      const apps: Apps = (k) => [{ name: 'hrdrill', anonBytes: 40 * MiB, stallUs: k * 100_000 }];
      feed(on, apps, 0, 12);
      feed(off, apps, 0, 12);
      await on.guard.idle();
      expect(kinds(on.events)).toEqual(['started', 'warning:hrdrill', 'would-reap:hrdrill']);
      expect(on.requests).toEqual([]);
      expect(on.markers.find((m) => m.kind === 'would-reap')?.detail).toMatch(/^Would reap hrdrill \(auto-reap is on, but another Headroom guard does the reaping\): hrdrill: 40 % of its time stalled on memory/);
      expect(off.markers.find((m) => m.kind === 'would-reap')?.detail).toMatch(/^Would reap hrdrill \(auto-reap is off here\): /);
      on.done();
      off.done();
    } finally {
      holder.release();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('guard: acting only on what holds at that moment', () => {
  const thrasher: Apps = (k) => [{ name: 'hrdrill', anonBytes: 1000 * MiB + k * 50 * MiB, stallUs: k * 100_000 }];

  it('a reap decided while another is in flight is dropped, not queued: turning auto-reap off meanwhile means nothing more is sent', async () => {
    // A reaper that holds each request until the test lets it go (the helper, or a 5 s wait for an exit).
    const requests: unknown[] = [];
    const release: Array<() => void> = [];
    const slow = {
      requests: requests as never[],
      reaper: { privilege: () => 'helper-installed' as const, reap: (req: never) => (requests.push(req), new Promise<{ results: never[] }>((r) => release.push(() => r({ results: [] })))) },
    };
    const g = testGuard({ autoReap: true, guardSustainSeconds: 1, guardCooldownSeconds: 1 }, undefined, undefined, undefined, slow);
    try {
      // 6 s of pressure at 250 ms ticks: a first reap at ~1 s, and others due every second after it.
      feed(g, thrasher, 0, 24);
      expect(requests).toHaveLength(1);
      g.settings.autoReap = false;
      feed(g, thrasher, 25, 28, 100_000 + 25 * 250);
      release.splice(0).forEach((go) => go());
      await g.guard.idle();
      await new Promise((r) => setTimeout(r, 20));
      expect(requests).toHaveLength(1);
      expect(kinds(g.events).filter((e) => e.startsWith('reap'))).toEqual(['reap:hrdrill']);
    } finally {
      release.splice(0).forEach((go) => go());
      g.done();
    }
  });

  it('pressure seen before a pause never counts after it: resuming starts the sustain period again', async () => {
    const g = testGuard({ autoReap: true, guardSustainSeconds: 2 });
    try {
      // 1.5 s of pressure, then a pause of 2 s (short: no gap alone would forget it), then one more tick.
      feed(g, thrasher, 0, 6);
      g.guard.setPaused(true);
      g.guard.setPaused(false);
      feed(g, thrasher, 14, 14, 100_000 + 14 * 250);
      await g.guard.idle();
      expect(kinds(g.events)).toEqual(['started']);
      // Two more seconds of fresh ticks: now it warns and reaps.
      feed(g, thrasher, 15, 23, 100_000 + 15 * 250);
      await g.guard.idle();
      expect(kinds(g.events)).toEqual(['started', 'warning:hrdrill', 'reap:hrdrill']);
    } finally {
      g.done();
    }
  });

  it('a gap of over 15 s between snapshots (a stopped sampler) also ends the evidence', async () => {
    const g = testGuard({ autoReap: true, guardSustainSeconds: 2 });
    try {
      feed(g, thrasher, 0, 6);
      // 20 s later, with the totals moved on as if the pressure had lasted: one tick must not act.
      feed(g, thrasher, 86, 86, 100_000 + 86 * 250);
      await g.guard.idle();
      expect(kinds(g.events)).toEqual(['started']);
    } finally {
      g.done();
    }
  });

  it('never auto-reaps a built-in session-critical process, even with the person\'s list emptied', async () => {
    const g = testGuard({ autoReap: true, guardSustainSeconds: 1, sessionCritical: [] });
    try {
      feed(g, (k) => [{ name: 'gnome-shell', comm: 'gnome-shell', anonBytes: 1000 * MiB + k * 50 * MiB, stallUs: k * 100_000 }], 0, 16);
      await g.guard.idle();
      expect(kinds(g.events)).toEqual(['started', 'warning:gnome-shell']);
      expect(g.requests).toEqual([]);
      expect(g.guard.state().ranking[0]!.notActionable).toMatch(/contains gnome-shell, which is part of the desktop session \(session-critical\)/);
    } finally {
      g.done();
    }
  });

  it('a guard that takes the lock over keeps the cooldown the previous holder started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-guard-handover-'));
    const lockPath = join(dir, 'guard.lock');
    const a = testGuard({ autoReap: true, guardSustainSeconds: 1, guardCooldownSeconds: 30 }, lockPath);
    const b = testGuard({ autoReap: true, guardSustainSeconds: 1, guardCooldownSeconds: 30 }, lockPath);
    try {
      feed(a, thrasher, 0, 8);
      await a.guard.idle();
      expect(a.requests).toHaveLength(1);
      // The window quits (or pauses); the headless guard, watching the same pressure, takes the lock.
      a.guard.close();
      const t = feed(b, thrasher, 9, 60, 100_000 + 9 * 250);
      await b.guard.idle();
      // 13 s of pressure after the first reap: within its 30 s cooldown, so nothing more.
      expect(b.requests).toHaveLength(0);
      expect(b.guard.state().acting).toBe(true);
      // Past the cooldown it reaps.
      feed(b, thrasher, 61, 130, t);
      await b.guard.idle();
      expect(b.requests).toHaveLength(1);
    } finally {
      a.done();
      b.done();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the wall clock stepping forward a minute does not cut the cooldown short (the guard\'s clock is monotonic)', async () => {
    let clock = 0;
    const g = testGuard({ autoReap: true, guardSustainSeconds: 1, guardCooldownSeconds: 30 }, undefined, undefined, () => clock);
    try {
      let t = 100_000;
      const tick = (k: number) => {
        g.guard.observe(guardSnapshot(t, k * 250 * 500, k * 250 * 400, thrasher(k)));
        t += 250;
        clock += 250;
      };
      let k = 0;
      for (; k <= 8; k++) tick(k);
      await g.guard.idle();
      expect(g.requests).toHaveLength(1);
      // The wall clock steps 60 s ahead; 5 s of real time pass under pressure.
      t += 60_000;
      for (; k <= 28; k++) tick(k);
      await g.guard.idle();
      expect(g.requests).toHaveLength(1);
    } finally {
      g.done();
    }
  });
});
