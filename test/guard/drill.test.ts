/**
 * The guard drill on real pressure: a thrasher with real per-app pressure (its own v2 group
 * `app-hrdrill-<pid>.scope` plus a 150 MiB v1 memory limit, KERNEL.md), a larger idle bystander in
 * another app scope, and the built `headroom guard --json` with low thresholds, started before the
 * thrasher. Everything the guard
 * may touch runs as a throwaway uid of this test, and so does the guard: other users' processes are
 * never actionable for it, so nothing else on this shared machine can be reaped.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroup2Mount } from '../../native/cgroup';
import { removeGroup, startMemoryPressure, type MemoryPressure } from '../e2e/pressure';
import { startHog, stopAllHogs, type Hog } from '../support/hogs';
import { DRILL_UID, drillWorkDir, removeGuardRuntime, startGuard, type GuardProcess } from './guard-process';

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

afterAll(() => removeGuardRuntime());

afterEach(async () => {
  await guard?.stop();
  guard = null;
  await pressure?.stop();
  pressure = null;
  await stopAllHogs();
  if (bystanderDir) await removeGroup(bystanderDir);
  bystanderDir = null;
  work.remove();
});

/** Put the bystander in `app-hrbystander-<pid>.scope` next to the thrasher's group (removed in afterEach). */
function bystanderScope(): void {
  const mount = cgroup2Mount();
  if (!mount) throw new Error('no cgroup v2 mount here: per-app pressure cannot be made');
  bystanderDir = join(mount, `app-hrbystander-${process.pid}.scope`);
  mkdirSync(bystanderDir);
  writeFileSync(join(bystanderDir, 'cgroup.procs'), String(bystander!.pid));
}


/**
 * The guard first (as on a desktop: it is running when the runaway starts), then the thrasher. An
 * episode already open before the thrasher (other engineers' drills share this machine's PSI) would
 * make the check meaningless, so it fails plainly instead.
 */
async function startThrasher(g: GuardProcess): Promise<MemoryPressure> {
  await new Promise((r) => setTimeout(r, 3000));
  if (g.events.some((e) => e.event === 'warning')) throw new Error(`system memory pressure from elsewhere opened an episode before the thrasher started; rerun on a quieter machine: ${JSON.stringify(g.events)}`);
  pressure = startMemoryPressure({ workDir: work.dir, appScope: 'hrdrill', uid: DRILL_UID, gid: DRILL_UID, readers: 8, limitMiB: 100, fileMiB: 400, lifetimeSec: 150 });
  await pressure.ready;
  return pressure;
}

const THRESHOLDS = ['--warn-at', '4', '--act-at', '1', '--sustain', '2'];

describe('headroom guard on real per-app pressure', () => {
  it('--act: warns naming the thrasher, reaps it and only it; the bystander and the guard live', async () => {
    bystanderScope();
    guard = startGuard(['--json', '--act', ...THRESHOLDS], work.dir);
    const started = await guard.waitFor('started event', (e) => e.event === 'started', 20_000);
    expect(started).toMatchObject({ event: 'started', act: true });
    const thrasher = await startThrasher(guard);

    const warning = await guard.waitFor('warning', (e) => e.event === 'warning', 60_000);
    if (warning.event !== 'warning') throw new Error('unreachable');
    expect(warning.culprit?.name, JSON.stringify(guard.events)).toBe('hrdrill');
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
    bystanderScope();
    guard = startGuard(['--json', ...THRESHOLDS], work.dir);
    expect(await guard.waitFor('started event', (e) => e.event === 'started', 20_000)).toMatchObject({ act: false });
    const thrasher = await startThrasher(guard);
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
