/**
 * The guard drill on real pressure: a thrasher with real per-app pressure (its own v2 group
 * `app-hrdrill-<pid>.scope` plus a 150 MiB v1 memory limit, KERNEL.md), a larger idle bystander in
 * another app scope, and the built `headroom guard --json` with low thresholds. Everything the guard
 * may touch runs as a throwaway uid of this test, and so does the guard: other users' processes are
 * never actionable for it, so nothing else on this shared machine can be reaped.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMemoryPressure, type MemoryPressure } from '../e2e/pressure';
import { startHog, stopAllHogs, type Hog } from '../support/hogs';
import { DRILL_UID, drillWorkDir, startGuard, type GuardProcess } from './guard-process';

let work: ReturnType<typeof drillWorkDir>;
let pressure: MemoryPressure | null = null;
let bystander: Hog | null = null;
let bystanderDir: string | null = null;
let guard: GuardProcess | null = null;

beforeEach(async () => {
  work = drillWorkDir();
  // The bystander: 600 MiB of anon memory, idle, later put in an app scope of its own.
  bystander = startHog({ mib: 600, uid: DRILL_UID, gid: DRILL_UID, lifetimeSec: 180 });
  await bystander.ready;
});

afterEach(async () => {
  await guard?.stop();
  guard = null;
  await pressure?.stop();
  pressure = null;
  await stopAllHogs();
  if (bystanderDir) await removeDir(bystanderDir);
  bystanderDir = null;
  work.remove();
});

/** Put the bystander in `app-hrbystander-<pid>.scope` next to the thrasher's group (removed in afterEach). */
function bystanderScope(): void {
  bystanderDir = join(pressure!.appGroup!, '..', `app-hrbystander-${process.pid}.scope`);
  mkdirSync(bystanderDir);
  writeFileSync(join(bystanderDir, 'cgroup.procs'), String(bystander!.pid));
}

async function removeDir(dir: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function startThrasher(): Promise<MemoryPressure> {
  pressure = startMemoryPressure({ workDir: work.dir, appScope: 'hrdrill', uid: DRILL_UID, gid: DRILL_UID, readers: 3, lifetimeSec: 150 });
  await pressure.ready;
  return pressure;
}

const THRESHOLDS = ['--warn-at', '3', '--act-at', '1', '--sustain', '1'];

describe('headroom guard on real per-app pressure', () => {
  it('--act: warns naming the thrasher, reaps it and only it; the bystander and the guard live', async () => {
    const thrasher = await startThrasher();
    bystanderScope();
    guard = startGuard(['--json', '--act', ...THRESHOLDS], work.dir);
    const started = await guard.waitFor('started event', (e) => e.event === 'started', 20_000);
    expect(started).toMatchObject({ event: 'started', act: true });

    const warning = await guard.waitFor('warning', (e) => e.event === 'warning', 60_000);
    if (warning.event !== 'warning') throw new Error('unreachable');
    expect(warning.culprit?.name).toBe('hrdrill');
    expect(warning.culprit?.pids).toContain(thrasher.child.pid);
    expect(warning.culprit?.reason).toMatch(/^hrdrill: [\d.]+ % of its time stalled on memory/);

    const reap = await guard.waitFor('reap', (e) => e.event === 'reap', 60_000);
    if (reap.event !== 'reap') throw new Error('unreachable');
    expect(reap.culprit.name).toBe('hrdrill');
    expect(reap.results.map((r) => r.pid)).toEqual([thrasher.child.pid]);
    expect(reap.results[0]).toMatchObject({ ok: true, via: 'in-process' });
    await new Promise<void>((r) => (thrasher.child.exitCode !== null || thrasher.child.signalCode !== null ? r() : thrasher.child.once('exit', () => r())));
    expect(thrasher.child.signalCode).toBe('SIGKILL');

    // Only the thrasher: the bystander (larger, idle) and the guard are alive; nothing else was reaped.
    await new Promise((r) => setTimeout(r, 1000));
    expect(bystander!.alive()).toBe(true);
    expect(guard.child.exitCode).toBeNull();
    expect(guard.events.filter((e) => e.event === 'reap')).toHaveLength(1);
    expect(guard.formatErrors).toEqual([]);
    expect(await guard.stop()).toBe(0);
  }, 150_000);

  it('without --act: warns and says would-reap; nothing is killed', async () => {
    const thrasher = await startThrasher();
    bystanderScope();
    guard = startGuard(['--json', ...THRESHOLDS], work.dir);
    expect(await guard.waitFor('started event', (e) => e.event === 'started', 20_000)).toMatchObject({ act: false });
    const would = await guard.waitFor('would-reap', (e) => e.event === 'would-reap', 90_000);
    if (would.event !== 'would-reap') throw new Error('unreachable');
    expect(would.culprit.name).toBe('hrdrill');
    expect(would.culprit.notActionable).toBeNull();
    const warningIndex = guard.events.findIndex((e) => e.event === 'warning');
    expect(warningIndex).toBeGreaterThan(0);
    expect(warningIndex).toBeLessThan(guard.events.indexOf(would));

    await new Promise((r) => setTimeout(r, 3000));
    expect(thrasher.child.exitCode).toBeNull();
    expect(thrasher.child.signalCode).toBeNull();
    expect(bystander!.alive()).toBe(true);
    expect(guard.events.filter((e) => e.event === 'reap')).toHaveLength(0);
    expect(guard.events.filter((e) => e.event === 'would-reap')).toHaveLength(1);
    expect(guard.formatErrors).toEqual([]);
    expect(await guard.stop()).toBe(0);
  }, 150_000);
});
