/**
 * The guard arms a PSI trigger on each app group with pressure of its own, as the sampler found it:
 * a real sampler sees a real v2 app scope with a process in it, the guard (fed its snapshots) opens
 * that group's memory.pressure as a trigger — seen as a writable fd of this process on the file — and closes
 * it when the group is gone. (Before, the guard never passed the cgroup mount to its trigger wait,
 * so only the system trigger was ever armed.)
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../contract/settings';
import { cgroup2Mount } from '../../native/cgroup';
import { createGuard, type Guard } from '../../main/guard';
import { GuardLock } from '../../main/guard/lock';
import { SamplerLoop } from '../../main/sampler/loop';
import { sleeperWithCleanup } from '../support/idle-children';
import { recordingReaper } from './guard-snapshots';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const undo of cleanups.splice(0).reverse()) await undo();
});

/**
 * How many of this process's fds are PSI triggers on `path`: opened for writing (the trigger is
 * written to it). The sampler keeps a read-only fd on an app group's memory.pressure too.
 */
const triggersOn = (path: string): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== path) return false;
      const flags = parseInt(/^flags:\s+([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
      return (flags & 3) !== 0;
    } catch {
      return false;
    }
  }).length;

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the guard\'s app-group triggers', () => {
  it('arms a trigger on an app scope the sampler reports with pressure, and drops it when the group is gone', async () => {
    const mount = cgroup2Mount();
    if (!mount) throw new Error('no cgroup v2 mount here');
    const name = `/app-hrtrig-${process.pid}.scope`;
    const dir = join(mount, name);
    mkdirSync(dir);
    const sleepers = [sleeperWithCleanup(cleanups), sleeperWithCleanup(cleanups)];
    cleanups.push(() => {
      if (!existsSync(dir)) return;
      for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) writeFileSync(join(mount, 'cgroup.procs'), pid);
      rmdirSync(dir);
    });
    for (const s of sleepers) writeFileSync(join(dir, 'cgroup.procs'), String(s.pid));

    const lockDir = mkdtempSync(join(tmpdir(), 'headroom-app-triggers-'));
    cleanups.push(() => rmSync(lockDir, { recursive: true, force: true }));
    const loop = new SamplerLoop({ intervalMs: 250 });
    const guard: Guard = createGuard({
      settings: () => defaultSettings(),
      reaper: recordingReaper().reaper,
      sampling: loop,
      lock: new GuardLock(join(lockDir, 'guard.lock')),
      triggers: { windowsMs: [2000] },
    });
    cleanups.push(() => {
      guard.close();
      loop.stop();
    });
    let appSeen = false;
    loop.onSnapshot((s) => {
      appSeen ||= s.apps.some((a) => a.cgroup === name && a.pressure !== null);
      guard.observe(s);
    });
    guard.start();
    loop.start();

    const pressureFile = join(dir, 'memory.pressure');
    await until('the app in a snapshot with its pressure', () => appSeen, 10_000);
    await until(`a trigger on ${pressureFile}`, () => triggersOn(pressureFile) === 1, 10_000);
    expect(triggersOn(pressureFile)).toBe(1);
    await until('the guard in trigger mode', () => guard.state().mode === 'trigger', 10_000);

    // The group goes away: its trigger is closed (POLLERR, or the next snapshot's set without it).
    for (const s of sleepers) writeFileSync(join(mount, 'cgroup.procs'), String(s.pid));
    rmdirSync(dir);
    await until(`no trigger on ${pressureFile}`, () => triggersOn(pressureFile) === 0, 10_000);
    expect(guard.state().mode).toBe('trigger');
  }, 40_000);
});
