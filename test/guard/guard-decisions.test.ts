/**
 * The guard's decisions on bad and awkward input, with real processes, real cgroups and the real
 * reaper. The snapshots are real samples of this machine; only their pressure numbers are stepped
 * forward tick by tick (50 % some, then 30 % full a second later system-wide, 40 % in the hog's own group), so the test
 * decides exactly when the episode reaches its reap — and can make the culprit exit or its group
 * vanish just before. The guard must say so in its results and kill nothing else.
 */
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GuardEvent, GuardState } from '../../contract/guard';
import type { ReapMarker } from '../../contract/history';
import { defaultSettings, type Settings } from '../../contract/settings';
import type { Snapshot } from '../../contract/snapshot';
import { createGuard, GuardLock } from '../../main/guard';
import { createReapService, type ReapService } from '../../main/reaper/service';
import { createSampler } from '../../main/sampler/sampler';
import { cgroup2Mount } from '../../native/cgroup';
import { removeGroup } from '../e2e/pressure';
import { startHog, stopAllHogs, type Hog } from '../support/hogs';

const mount = cgroup2Mount();
let dir: string;
let group: string;
let hog: Hog;
let reaper: ReapService;

beforeEach(async () => {
  if (!mount) throw new Error('no cgroup v2 mount here');
  dir = mkdtempSync(join(tmpdir(), 'headroom-guard-decisions-'));
  group = join(mount, `app-hrculprit-${process.pid}.scope`);
  mkdirSync(group);
  hog = startHog({ mib: 64, lifetimeSec: 120 });
  await hog.ready;
  writeFileSync(join(group, 'cgroup.procs'), String(hog.pid));
  reaper = createReapService({ sessionCritical: () => defaultSettings().sessionCritical, endGraceMs: () => 1000 });
});

afterEach(async () => {
  await stopAllHogs();
  await reaper.close();
  await removeGroup(group);
  rmSync(dir, { recursive: true, force: true });
});

/** A real sample, then copies of it stepped forward 250 ms at a time with the drill's pressure. */
function pressureStream(calmFrom = Infinity): (k: number) => Snapshot {
  const sampler = createSampler();
  sampler.sample();
  const base = sampler.sample();
  sampler.close();
  const app = base.apps.find((a) => a.cgroup === `/app-hrculprit-${process.pid}.scope`);
  if (!app?.pressure || !base.psi?.memory?.full) throw new Error('the hog\'s app group or PSI is missing from the sample');
  return (tick) => {
    // From calmFrom on, the stall totals stop growing: 0 % pressure.
    const k = Math.min(tick, calmFrom);
    const s = structuredClone(base);
    s.seq = base.seq + tick;
    s.time = base.time + tick * 250;
    const mem = s.psi!.memory!;
    mem.some.totalUs += k * 250_000 * 0.5;
    // Full stall starts a second later than some, so the warning comes before the reap.
    mem.full!.totalUs += Math.max(0, k - 4) * 250_000 * 0.3;
    const a = s.apps.find((x) => x.id === app.id)!;
    a.pressure!.some.totalUs += k * 250_000 * 0.4;
    return s;
  };
}

function guardWith(patch: Partial<Settings>, lockPath = join(dir, 'guard.lock')) {
  const settings: Settings = { ...defaultSettings(), autoReap: true, guardSustainSeconds: 1, ...patch };
  const events: GuardEvent[] = [];
  const markers: ReapMarker[] = [];
  const states: GuardState[] = [];
  const intervals: number[] = [];
  const guard = createGuard({
    settings: () => settings,
    reaper,
    sampling: { setIntervalMs: (ms) => intervals.push(ms) },
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
    addMarker: (m) => markers.push(m),
    lock: new GuardLock(lockPath),
    triggers: false,
    // The snapshots' made-up times, fed in a burst: the guard's clock follows them.
    clockAt: (s) => s.time,
  });
  guard.start();
  return { guard, events, markers, states, intervals };
}

describe('guard decisions', () => {
  it('warns once, reaps the culprit through the real reaper, marks it, and samples fast during the episode', async () => {
    const step = pressureStream();
    const g = guardWith({});
    for (let k = 0; k <= 10; k++) g.guard.observe(step(k));
    await g.guard.idle();
    const kinds = g.events.map((e) => e.event);
    expect(kinds).toEqual(['started', 'warning', 'reap']);
    const reap = g.events[2] as Extract<GuardEvent, { event: 'reap' }>;
    expect(reap.culprit.reason).toMatch(new RegExp(`^hrculprit: 40 % of its time stalled on memory, \\d+ MiB anon\\+swap$`));
    expect(reap.results).toHaveLength(1);
    expect(reap.results[0]).toMatchObject({ pid: hog.pid, ok: true });
    await hog.exited;
    expect(g.markers.map((m) => m.kind)).toEqual(['warning', 'auto-reap']);
    expect(g.intervals[0]).toBe(250);
    expect(g.states.at(-1)).toMatchObject({ phase: 'acting', acting: true, actingNote: null, mode: 'poll' });
    g.guard.close();
  });

  it('a culprit whose group vanished before the reap: a clear message, nothing sent', async () => {
    const step = pressureStream();
    const g = guardWith({});
    for (let k = 0; k <= 5; k++) g.guard.observe(step(k));
    expect(g.events.map((e) => e.event)).toEqual(['started', 'warning']);
    process.kill(hog.pid, 'SIGKILL');
    await hog.exited;
    rmdirSync(group);
    for (let k = 6; k <= 12; k++) g.guard.observe(step(k));
    await g.guard.idle();
    const reap = g.events.find((e) => e.event === 'reap') as Extract<GuardEvent, { event: 'reap' }>;
    expect(reap.results).toHaveLength(1);
    expect(reap.results[0]).toMatchObject({ pid: hog.pid, ok: false, method: null, error: { code: 'CHANGED' } });
    expect(reap.results[0]!.error!.message).toMatch(/hrculprit's group \/app-hrculprit-\d+\.scope vanished before the reap \(the app exited\); nothing was sent\./);
    expect(g.markers.map((m) => m.kind)).toEqual(['warning']);
    g.guard.close();
  });

  it('a culprit that exits before the reap (its group still there): the reaper refuses, nothing else is touched', async () => {
    const step = pressureStream();
    const g = guardWith({});
    const bystander = startHog({ mib: 16, lifetimeSec: 60 });
    await bystander.ready;
    for (let k = 0; k <= 5; k++) g.guard.observe(step(k));
    expect(g.events.map((e) => e.event)).toEqual(['started', 'warning']);
    process.kill(hog.pid, 'SIGKILL');
    await hog.exited;
    for (let k = 6; k <= 12; k++) g.guard.observe(step(k));
    await g.guard.idle();
    const reap = g.events.find((e) => e.event === 'reap') as Extract<GuardEvent, { event: 'reap' }>;
    expect(reap.results.map((r) => [r.pid, r.ok, r.error?.code])).toEqual([[hog.pid, false, 'CHANGED']]);
    expect(reap.results[0]!.error!.message).toMatch(/exited or its PID now belongs to another program; nothing was sent/);
    expect(bystander.alive()).toBe(true);
    g.guard.close();
  });

  it('auto-reap off: one would-reap per episode, nothing killed; calm returns to the settings\' interval', async () => {
    const step = pressureStream(16);
    const g = guardWith({ autoReap: false, intervalMs: 2000 });
    for (let k = 0; k <= 16; k++) g.guard.observe(step(k));
    await g.guard.idle();
    expect(g.events.map((e) => e.event)).toEqual(['started', 'warning', 'would-reap']);
    expect(hog.alive()).toBe(true);
    expect(g.markers.map((m) => m.kind)).toEqual(['warning', 'would-reap']);
    expect(g.intervals).toEqual([250]);
    expect(g.guard.state()).toMatchObject({ phase: 'acting', acting: false, actingNote: null, last: { event: 'would-reap' } });
    // No pressure from tick 16 on: calm 3 s after the measured share fell below the warn level.
    for (let k = 17; k <= 36; k++) g.guard.observe(step(k));
    expect(g.events.map((e) => e.event)).toEqual(['started', 'warning', 'would-reap', 'calm']);
    expect(g.intervals).toEqual([250, 2000]);
    expect(g.guard.state()).toMatchObject({ phase: 'calm', last: { event: 'would-reap' } });
    g.guard.close();
  });

  it('the avoid list and session-critical names make the culprit not actionable, with the reason; nothing is reaped', async () => {
    for (const patch of [{ autoReapAvoid: ['app-hrculprit-*'] }, { autoReapAvoid: ['/app-hrculprit-*.scope'] }, { sessionCritical: ['node'] }]) {
      const step = pressureStream();
      const g = guardWith(patch);
      for (let k = 0; k <= 12; k++) g.guard.observe(step(k));
      await g.guard.idle();
      expect(g.events.map((e) => e.event)).toEqual(['started', 'warning']);
      const warning = g.events[1] as Extract<GuardEvent, { event: 'warning' }>;
      expect(warning.culprit?.name).toBe('hrculprit');
      expect(warning.culprit?.notActionable).toMatch(patch.sessionCritical ? /contains node, which is part of the desktop session/ : /matches '.*' on the avoid list/);
      expect(g.guard.state().culprit).toBeNull();
      g.guard.close();
    }
    expect(hog.alive()).toBe(true);
  });

  it('only one guard acts per user: the second reports acting:false naming the holder, and takes over when it is released', async () => {
    const step = pressureStream();
    const first = guardWith({ autoReap: true });
    const second = guardWith({ autoReap: true });
    first.guard.observe(step(0));
    second.guard.observe(step(0));
    expect(first.guard.state()).toMatchObject({ acting: true, actingNote: null });
    expect(second.guard.state().acting).toBe(false);
    expect(second.guard.state().actingNote).toMatch(new RegExp(`Another Headroom guard \\(PID ${process.pid}\\) holds .*guard\\.lock and does the reaping`));
    first.guard.close();
    await new Promise((r) => setTimeout(r, 2100));
    second.guard.observe(step(1));
    expect(second.guard.state()).toMatchObject({ acting: true, actingNote: null });
    second.guard.close();
  });

  it('an app that leads the ranking only briefly is never acted on: the guard waits, says so, and names the settled one', async () => {
    // A second real app group, like the browser or the build integration saw lead for a moment.
    const earlyGroup = join(mount!, `app-hrearly-${process.pid}.scope`);
    mkdirSync(earlyGroup);
    const early = startHog({ mib: 16, lifetimeSec: 60 });
    try {
      await early.ready;
      writeFileSync(join(earlyGroup, 'cgroup.procs'), String(early.pid));
      const base = pressureStream();
      const earlyApp = base(0).apps.find((a) => a.cgroup === `/app-hrearly-${process.pid}.scope`);
      if (!earlyApp?.pressure) throw new Error('the early app\'s group is missing from the sample');
      // System: 50 % some and 30 % full from the start. Own stall: hrearly 100 % over ticks 5–7 only,
      // hrculprit 90 % from tick 7 on; over the 2 s stall span hrearly leads ticks 5–9 (1.25 s), then
      // hrculprit for good from tick 10.
      const step = (k: number): Snapshot => {
        const s = base(0);
        s.seq += k;
        s.time += k * 250;
        s.psi!.memory!.some.totalUs += k * 250_000 * 0.5;
        s.psi!.memory!.full!.totalUs += k * 250_000 * 0.3;
        s.apps.find((a) => a.id === earlyApp.id)!.pressure!.some.totalUs += Math.max(0, Math.min(k, 7) - 4) * 250_000;
        s.apps.find((a) => a.cgroup === `/app-hrculprit-${process.pid}.scope`)!.pressure!.some.totalUs += Math.max(0, k - 6) * 250_000 * 0.9;
        return s;
      };
      const g = guardWith({ autoReap: false, guardSustainSeconds: 2 });
      const byTick: GuardState[] = [];
      for (let k = 0; k <= 20; k++) {
        g.guard.observe(step(k));
        byTick.push(g.guard.state());
      }
      await g.guard.idle();
      // The warn and act levels held from tick 8 on while hrearly led: it was shown in the ranking,
      // but never the culprit, and the state said why nothing was done yet; the warning waited (at
      // most one sustain period, to tick 16), so the episode was not open yet.
      expect(byTick[8]!.phase).toBe('calm');
      expect(byTick[8]!.ranking[0]?.name).toBe('hrearly');
      expect(byTick[8]!.culprit).toBeNull();
      expect(byTick[8]!.culpritNote).toMatch(/^No settled culprit yet: hrearly leads the ranking/);
      expect(byTick.some((s) => s.culprit?.name === 'hrearly')).toBe(false);
      // hrculprit led every ranking from tick 10 (credited from tick 9): settled at tick 17.
      expect(byTick[15]!.phase).toBe('calm');
      expect(byTick[16]!.phase).toBe('acting');
      expect(byTick[16]!.culprit).toBeNull();
      expect(byTick[17]!.culprit?.name).toBe('hrculprit');
      expect(byTick[17]!.culpritNote).toBeNull();
      const events = g.events.filter((e) => e.event !== 'started');
      expect(events.map((e) => [e.event, 'culprit' in e ? e.culprit?.name : null])).toEqual([
        ['warning', 'hrculprit'],
        ['would-reap', 'hrculprit'],
      ]);
      expect(g.markers.map((m) => [m.kind, m.label])).toEqual([
        ['warning', 'hrculprit'],
        ['would-reap', 'hrculprit'],
      ]);
      expect(early.alive()).toBe(true);
      expect(hog.alive()).toBe(true);
      g.guard.close();
    } finally {
      await stopAllHogs();
      await removeGroup(earlyGroup);
    }
  });
});
